package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** HAProxy, configured as in Patroni's example, in front of one real Patroni cluster shared by the class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(60)
class HaproxyIT {

    private PatroniCluster cluster;
    private HaproxyServer haproxy;

    @BeforeAll
    void start() {
        cluster = PatroniCluster.start(PatroniCluster.Options.defaults());
        haproxy = HaproxyServer.start(cluster);
    }

    @AfterAll
    void close() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void routesAConnectionToTheLeader() throws Exception {
        // start() waited for the first checks: only the leader is up, with no further waiting.
        PatroniNode leader = cluster.waitForLeader(Duration.ofSeconds(10));
        assertThat(haproxy.serverStatus()).containsOnlyKeys("pg0", "pg1", "pg2").containsEntry(leader.name(), "UP")
                .allSatisfy((server, status) -> assertThat(status.startsWith("UP")).isEqualTo(server.equals(leader.name())));

        try (Connection c = DriverManager.getConnection(haproxy.jdbcUrl("postgres"), "postgres", "postgres");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), inet_server_port()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isFalse();
            assertThat(rs.getInt(2)).isEqualTo(leader.pgPort());
        }
        assertThat(haproxy.configFile()).content()
                .contains("option httpchk OPTIONS /primary", "http-check expect status 200",
                        "default-server inter 3000ms fall 3 rise 2 on-marked-down shutdown-sessions",
                        "server " + leader.name() + " 127.0.0.1:" + leader.pgPort() + " check port " + leader.restPort());
    }

    @Test
    @Order(2)
    void followsASwitchover() throws Exception {
        PatroniNode old = cluster.waitForLeader(Duration.ofSeconds(10));
        long started = System.nanoTime();
        PatroniNode next = cluster.switchover(null);
        haproxy.awaitOnlyUp(next.name(), Duration.ofSeconds(30));
        System.out.printf("HAProxy routed to %s %d ms after the switchover from %s began%n", next.name(),
                (System.nanoTime() - started) / 1_000_000, old.name());
        assertThat(serverPort()).isEqualTo(next.pgPort());
    }

    @Test
    @Order(3)
    void listensOnARequestedPortAndCleansUp() throws Exception {
        int port = FreePorts.next();
        HaproxyServer second = HaproxyServer.start(cluster, HaproxyServer.Options.defaults().withPort(port)
                .withChecks(Duration.ofMillis(500), 2, 1));
        long pid = second.pid();
        Path dir = second.configFile().getParent();
        try {
            assertThat(second.port()).isEqualTo(port);
            second.awaitOnlyUp(cluster.waitForLeader(Duration.ofSeconds(10)).name(), Duration.ofSeconds(10));
        } finally {
            second.close();
        }
        assertThat(second.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).filter(Commands::isRunning)).isEmpty();
        assertThat(dir).doesNotExist();
        assertThat(FreePorts.isFree(port)).isTrue();
        second.close(); // idempotent
    }

    private int serverPort() throws SQLException {
        try (Connection c = DriverManager.getConnection(haproxy.jdbcUrl("postgres"), "postgres", "postgres");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT inet_server_port() FROM (SELECT pg_is_in_recovery() AS r) s WHERE NOT r")) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }
}
