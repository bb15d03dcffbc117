package io.pgwarden.router.admin.console;

import io.pgwarden.router.admin.console.ConsoleCommand.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleCommandParserTest {

    private final ConsoleCommandParser parser = new ConsoleCommandParser();

    @ParameterizedTest
    @ValueSource(strings = {"SHOW POOLS", "show pools", "  Show   Pools ;", "SHOW POOLS;;", "\nshow\tpools\n"})
    void keywordsInAnyCaseWithOptionalSemicolon(String sql) {
        assertThat(parser.parse(sql)).containsExactly(new ConsoleCommand.Show(Target.POOLS));
    }

    @Test
    void everyCommand() {
        for (Target target : Target.values()) {
            assertThat(parser.parse("SHOW " + target)).containsExactly(new ConsoleCommand.Show(target));
        }
        assertThat(parser.parse("reload")).containsExactly(new ConsoleCommand.Reload());
        assertThat(parser.parse("PAUSE")).containsExactly(new ConsoleCommand.Pause(Optional.empty()));
        assertThat(parser.parse("PAUSE App")).containsExactly(new ConsoleCommand.Pause(Optional.of("app")));
        assertThat(parser.parse("RESUME \"App Db\"")).containsExactly(new ConsoleCommand.Resume(Optional.of("App Db")));
        assertThat(parser.parse("RESUME")).containsExactly(new ConsoleCommand.Resume(Optional.empty()));
        assertThat(parser.parse("KILL \"a\"\"b;c\"")).containsExactly(new ConsoleCommand.Kill("a\"b;c"));
    }

    @Test
    void severalStatementsInOneQueryAndNoneInABlankOne() {
        assertThat(parser.parse("SHOW VERSION; RELOAD")).containsExactly(
                new ConsoleCommand.Show(Target.VERSION), new ConsoleCommand.Reload());
        assertThat(parser.parse(" ; ")).isEmpty();
        assertThat(parser.parse("")).isEmpty();
    }

    @Test
    void clientLibrarySettingsAreAcceptedOthersAreNot() {
        assertThat(parser.parse("SET extra_float_digits = 3")).containsExactly(new ConsoleCommand.SetParameter("extra_float_digits"));
        assertThat(parser.parse("SET application_name='x'")).containsExactly(new ConsoleCommand.SetParameter("application_name"));
        assertThatThrownBy(() -> parser.parse("SET max_client_conn = 10"))
                .isInstanceOfSatisfying(ConsoleException.class, e -> assertThat(e.sqlState()).isEqualTo("0A000"))
                .hasMessageContaining("RELOAD");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHOW NOTHING", "SELECT 1", "KILL", "SHOW", "PAUSE a b", "RELOAD now", "SHOW POOLS x"})
    void anythingElseIsASyntaxErrorListingTheCommands(String sql) {
        assertThatThrownBy(() -> parser.parse(sql))
                .isInstanceOfSatisfying(ConsoleException.class, e -> assertThat(e.sqlState()).isEqualTo("42601"))
                .hasMessageContaining(sql.split(" ")[0].toUpperCase())
                .hasMessageContaining(ConsoleCommandParser.COMMANDS);
    }

    @Test
    void unterminatedQuoteIsASyntaxError() {
        assertThatThrownBy(() -> parser.parse("KILL \"abc"))
                .isInstanceOfSatisfying(ConsoleException.class, e -> assertThat(e.sqlState()).isEqualTo("42601"));
    }
}
