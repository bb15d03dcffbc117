package io.pgwarden.router.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin section: console users, its database name, the PAUSE bound. */
class AdminConfigTest {

    private static final String MEMBERS = ConfigTestFiles.ONE_PRIMARY;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void consoleIsOffByDefault() {
        RouterConfig.Admin admin = loader.parse(MEMBERS, "inline", null).admin();

        assertThat(admin.consoleEnabled()).isFalse();
        assertThat(admin.database()).isEqualTo("pgwarden");
        assertThat(admin.users()).isEmpty();
        assertThat(admin.pauseTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsEveryAdminKey() {
        RouterConfig.Admin admin = loader.parse(MEMBERS
                + "admin:\n  database: console\n  users: [alice, bob]\n  pause_timeout: 5s\n  http_port: 9187\n",
                "inline", null).admin();

        assertThat(admin.consoleEnabled()).isTrue();
        assertThat(admin.database()).isEqualTo("console");
        assertThat(admin.users()).containsExactly("alice", "bob");
        assertThat(admin.pauseTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(admin.httpPort()).isEqualTo(9187);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            admin:\\n  database: 'a b'           | admin.database      | a b
            admin:\\n  users: ['']               | admin.users[0]      | user name
            admin:\\n  pause_timeout: 0s         | admin.pause_timeout | longer than zero
            """)
    void badAdminValueIsNamedWithItsKey(String yaml, String key, String detail) {
        assertThatThrownBy(() -> loader.parse(MEMBERS + yaml.replace("\\n", "\n"), "router.yml", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("router.yml: bad value for key '" + key + "': ")
                .hasMessageContaining(detail);
    }

    @Test
    void unknownAdminKeyIsAnError() {
        assertThatThrownBy(() -> loader.parse(MEMBERS + "admin:\n  user: [alice]\n", "router.yml", null))
                .hasMessage("router.yml: unknown key 'admin.user'");
    }
}
