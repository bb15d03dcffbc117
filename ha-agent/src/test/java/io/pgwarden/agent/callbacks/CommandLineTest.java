package io.pgwarden.agent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void blanksSeparateWords() {
        assertThat(CommandLine.split("  /bin/cb.sh  -x\t1 ")).containsExactly("/bin/cb.sh", "-x", "1");
    }

    @Test
    void quotesKeepBlanksAndSingleQuotesKeepBackslashes() {
        assertThat(CommandLine.split("cb 'a b' \"c d\" 'x\\y'")).containsExactly("cb", "a b", "c d", "x\\y");
    }

    @Test
    void backslashesEscapeOutsideQuotesAndOnlySomeCharactersInDoubleQuotes() {
        assertThat(CommandLine.split("cb a\\ b \"q\\\"x\\n\"")).containsExactly("cb", "a b", "q\"x\\n");
    }

    @Test
    void adjacentPartsMakeOneWord() {
        assertThat(CommandLine.split("cb --opt='a b'c")).containsExactly("cb", "--opt=a bc");
    }

    @Test
    void anEmptyLineHasNoWords() {
        assertThat(CommandLine.split("   ")).isEmpty();
    }

    @Test
    void unterminatedQuotesAndTrailingBackslashesAreRefused() {
        assertThatThrownBy(() -> CommandLine.split("cb 'x")).hasMessageContaining("unterminated single quote");
        assertThatThrownBy(() -> CommandLine.split("cb \"x")).hasMessageContaining("unterminated double quote");
        assertThatThrownBy(() -> CommandLine.split("cb x\\")).hasMessageContaining("trailing backslash");
    }
}
