package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StartupParametersTest {

    @Test
    void parsesDashCAndDoubleDashForms() {
        assertThat(StartupParameters.parseOptions("-c a=b --c-d=e"))
                .containsExactly(entry("a", "b"), entry("c_d", "e"));
    }

    @Test
    void parsesDashCGluedToItsAssignment() {
        assertThat(StartupParameters.parseOptions("-csearch_path=app -c statement_timeout=5s"))
                .containsExactly(entry("search_path", "app"), entry("statement_timeout", "5s"));
    }

    @Test
    void dashesInNamesBecomeUnderscoresAsInPostgres() {
        assertThat(StartupParameters.parseOptions("-c lock-timeout=1s --work-mem=64MB"))
                .containsExactly(entry("lock_timeout", "1s"), entry("work_mem", "64MB"));
    }

    @Test
    void valueKeepsEverythingAfterTheFirstEquals() {
        assertThat(StartupParameters.parseOptions("-c app.setting=a=b"))
                .containsExactly(entry("app.setting", "a=b"));
    }

    @Test
    void backslashEscapesSpacesAndItself() {
        assertThat(StartupParameters.parseOptions("-c application_name=my\\ app  -c search_path=a,\\ b --x.y=c\\\\d"))
                .containsExactly(entry("application_name", "my app"), entry("search_path", "a, b"), entry("x.y", "c\\d"));
    }

    @Test
    void extraWhitespaceIsIgnored() {
        assertThat(StartupParameters.parseOptions("  \t-c   a=1 \n --b=2  ")).containsExactly(entry("a", "1"), entry("b", "2"));
        assertThat(StartupParameters.parseOptions("")).isEmpty();
        assertThat(StartupParameters.parseOptions("   ")).isEmpty();
    }

    @Test
    void laterValueWins() {
        assertThat(StartupParameters.parseOptions("-c a=1 -c a=2")).containsExactly(entry("a", "2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-c a;b=1", "--a'b=1", "-c 1a=1", "-c =1", "-c a\\ b=1", "--\"a\"=1", "-c a", "--a",
            "-B 100", "a=b", "-e"})
    void refusesWhatIsNotASimpleSetting(String options) {
        assertThatThrownBy(() -> StartupParameters.parseOptions(options))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dashCWithoutAssignmentIsRefused() {
        assertThatThrownBy(() -> StartupParameters.parseOptions("-c"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void settingsSkipNonSettingsAndUnpackOptions() {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", "alice");
        startup.put("database", "app");
        startup.put("replication", "false");
        startup.put("application_name", "psql");
        startup.put("_pq_.compression", "on");
        startup.put("options", "-c search_path=app --statement-timeout=5s");
        startup.put("DateStyle", "ISO, MDY");

        assertThat(StartupParameters.settings(startup)).containsExactly(
                entry("application_name", "psql"), entry("datestyle", "ISO, MDY"),
                entry("search_path", "app"), entry("statement_timeout", "5s"));
    }

    @Test
    void optionsWinOverPlainParameters() {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("application_name", "plain");
        startup.put("options", "-c application_name=from\\ options");

        assertThat(StartupParameters.settings(startup)).containsExactly(entry("application_name", "from options"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad name", "a;drop table x", "x'y", "", "1st"})
    void invalidStartupParameterNamesAreRefused(String name) {
        assertThatThrownBy(() -> StartupParameters.settings(Map.of(name, "v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid configuration parameter name");
    }

    @Test
    void setStatementQuotesSingleQuotes() {
        String sql = StartupParameters.syncStatements(Map.of("application_name", "it's 'quoted'"), Map.of(), Map.of(), Map.of());

        assertThat(sql).isEqualTo("SET application_name TO 'it''s ''quoted''';");
    }

    @Test
    void setStatementsKeepOrderAndSkipWhatTheServerAlreadyHas() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("datestyle", "ISO, MDY");
        settings.put("application_name", "app");
        settings.put("search_path", "a, b");

        String sql = StartupParameters.syncStatements(settings, Map.of("DateStyle", "ISO, MDY", "application_name", "other"),
                Map.of("DateStyle", "ISO, MDY", "application_name", "other"), Map.of());

        assertThat(sql).isEqualTo("SET application_name TO 'app';SET search_path TO 'a, b';");
    }

    @Test
    void nothingToSetGivesAnEmptyStatement() {
        assertThat(StartupParameters.syncStatements(Map.of("timezone", "UTC"), Map.of("TimeZone", "UTC"),
                Map.of("TimeZone", "UTC"), Map.of())).isEmpty();
        assertThat(StartupParameters.syncStatements(Map.of(), Map.of("TimeZone", "UTC"), Map.of("TimeZone", "UTC"), Map.of())).isEmpty();
    }

    @Test
    void aTrackedSettingAPreviousClientChangedIsReset() {
        // The previous client ran SET default_transaction_read_only = on itself; this one did not ask for it.
        assertThat(StartupParameters.syncStatements(Map.of(), Map.of("default_transaction_read_only", "on"),
                Map.of("default_transaction_read_only", "off"), Map.of()))
                .isEqualTo("RESET default_transaction_read_only;");
    }

    @Test
    void whatThePoolSetForAPreviousClientIsReset() {
        assertThat(StartupParameters.syncStatements(Map.of(), Map.of(), Map.of(), Map.of("search_path", "a")))
                .isEqualTo("RESET search_path;");
    }

    @Test
    void optionsEndUpQuotedInTheSetStatement() {
        Map<String, String> settings = StartupParameters.settings(Map.of("options", "-c application_name=O'Brien\\ app"));

        assertThat(StartupParameters.syncStatements(settings, Map.of(), Map.of(), Map.of()))
                .isEqualTo("SET application_name TO 'O''Brien app';");
    }
}
