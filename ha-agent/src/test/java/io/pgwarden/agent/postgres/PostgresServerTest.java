package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

    @Test
    void slotNameIsLowercasedWithDashesAndDotsAsUnderscores() {
        assertThat(PostgresServer.slotName("node1")).isEqualTo("node1");
        assertThat(PostgresServer.slotName("PG-Node.1_a")).isEqualTo("pg_node_1_a");
    }

    @Test
    void slotNameEncodesOtherCharactersAsTheirCodePoint() {
        // Patroni 3.0: 'u' and the decimal code point, at least four digits.
        assertThat(PostgresServer.slotName("a b")).isEqualTo("au0032b");
        assertThat(PostgresServer.slotName("x@y")).isEqualTo("xu0064y");
        assertThat(PostgresServer.slotName("ü")).isEqualTo("u0252");
        assertThat(PostgresServer.slotName("\uD83D\uDE00")).isEqualTo("u128512"); // one code point, not two chars
    }

    @Test
    void slotNameIsCutAt63Characters() {
        assertThat(PostgresServer.slotName("n".repeat(70))).hasSize(63);
    }

    @Test
    void agentReachesAWildcardListenAddressOnLoopback() {
        assertThat(PostgresServer.connectHost("*")).isEqualTo("127.0.0.1");
        assertThat(PostgresServer.connectHost("0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(PostgresServer.connectHost("::")).isEqualTo("::1");
        assertThat(PostgresServer.connectHost("10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(PostgresServer.connectHost("127.0.0.1, 10.0.0.5")).isEqualTo("127.0.0.1");
    }

    @Test
    void agentConfIncludesTheRecoveryFileAfterItsSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("wal_level", "replica");
        settings.put("port", 5433);
        String conf = PostgresServer.renderAgentConf(settings);
        assertThat(conf.lines().filter(l -> !l.startsWith("#")).toList()).containsExactly(
                "wal_level = 'replica'",
                "port = 5433",
                "include_if_exists 'pgwarden-recovery.conf'");
    }

    @Test
    void hbaHasTheConfiguredLinesInOrder() {
        String hba = PostgresServer.renderHba(List.of("local all all trust", "host all all 127.0.0.1/32 scram-sha-256"));
        assertThat(hba.lines().filter(l -> !l.startsWith("#")).toList())
                .containsExactly("local all all trust", "host all all 127.0.0.1/32 scram-sha-256");
        assertThat(hba).endsWith("\n");
    }
}
