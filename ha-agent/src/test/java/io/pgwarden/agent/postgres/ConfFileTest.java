package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfFileTest {

    @Test
    void numbersArePlainEverythingElseQuoted() {
        assertThat(ConfFile.value(100)).isEqualTo("100");
        assertThat(ConfFile.value(0.9)).isEqualTo("0.9");
        assertThat(ConfFile.value(new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(ConfFile.value(1e300)).isEqualTo("'1.0E300'");
        assertThat(ConfFile.value("128MB")).isEqualTo("'128MB'");
        assertThat(ConfFile.value(true)).isEqualTo("'on'");
        assertThat(ConfFile.value(false)).isEqualTo("'off'");
        assertThat(ConfFile.value(List.of("pg_stat_statements", "auto_explain"))).isEqualTo("'pg_stat_statements,auto_explain'");
    }

    @Test
    void quotesAndBackslashesAreEscapedForTheServersLexer() {
        assertThat(ConfFile.value("it's")).isEqualTo("'it''s'");
        assertThat(ConfFile.value("C:\\temp")).isEqualTo("'C:\\\\temp'");
    }

    @Test
    void lineBreaksCannotSmuggleInASetting() {
        assertThatThrownBy(() -> ConfFile.value("x'\nport = 1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesAreCheckedAndLowercased() {
        assertThat(ConfFile.name("Shared_Buffers")).isEqualTo("shared_buffers");
        assertThat(ConfFile.name("pg_stat_statements.max")).isEqualTo("pg_stat_statements.max");
        assertThatThrownBy(() -> ConfFile.name("port = 1 #")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConfFile.name("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linesKeepTheOrderGiven() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("b", 1);
        settings.put("a", "x");
        assertThat(ConfFile.lines(settings)).isEqualTo("b = 1\na = 'x'\n");
    }
}
