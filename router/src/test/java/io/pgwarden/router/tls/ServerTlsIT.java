package io.pgwarden.router.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.JdbcCancel;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PSQLException;

/**
 * TLS between the router and PostgreSQL. The cluster: pg0 (primary) has TLS with a certificate
 * from our CA and lets {@code tls_user} in over TLS only (hostssl); pg1 (replica) has TLS with a
 * certificate from an unrelated CA; pg2 (replica) has no TLS at all; pg3 (replica) has a certificate
 * from our CA, but for another name than its address. Each test starts its own
 * router with the {@code server.tls} it needs, over the members it needs.
 */
class ServerTlsIT {

    private static final String USER = "tls_user";
    private static final String PASSWORD = "tls-pw";
    private static final String SSL_IN_USE = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";

    private static TestCertificates certs;
    private static PostgresCluster cluster;
    private static Path userList;

    @BeforeAll
    @Timeout(180)
    static void start() throws Exception {
        certs = TestCertificates.create();
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(3));
        try (Connection c = cluster.primary().connect("postgres"); Statement s = c.createStatement()) {
            s.execute("create role " + USER + " login password '" + PASSWORD + "'");
        }
        PostgresNode pg0 = cluster.nodes().get(0);
        pg0.enableTls(certs.serverCert(), certs.serverKey(), List.of(
                "hostssl all " + USER + " 127.0.0.1/32 scram-sha-256",
                "host all " + USER + " all reject"));
        cluster.nodes().get(1).enableTls(certs.otherServerCert(), certs.otherServerKey(), List.of());
        cluster.nodes().get(3).enableTls(certs.wrongNameServerCert(), certs.wrongNameServerKey(), List.of());
        userList = RouterFixture.writeUserList(cluster.tempDir());
        Files.writeString(userList, UserList.entry(USER, PASSWORD), StandardOpenOption.APPEND);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    @Test
    @Timeout(60)
    void requireEncryptsTheServerConnectionToAHostsslOnlyServer() throws Exception {
        try (RouterServer router = router("require", null)) {
            assertThat(sslInUse(router, ListenerRole.PRIMARY)).isTrue();
            assertThat(router.metrics().tlsHandshakes("server", true)).isPositive();
        }
    }

    @Test
    @Timeout(60)
    void verifyFullConnectsWhereTheChainIsTrustedAndRefusesOnlyWhereItIsNot() throws Exception {
        try (RouterServer router = router("verify-full", certs.caCert(), "pg1");
             Connection open = jdbc(router, ListenerRole.PRIMARY); Statement st = open.createStatement()) {
            assertThat(query(st, SSL_IN_USE)).isEqualTo("t");

            // pg1's certificate comes from a CA the router does not trust: a clear error, for that client only.
            assertThatThrownBy(() -> jdbc(router, ListenerRole.REPLICA).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage()).contains("TLS certificate of server pg1", "not accepted",
                                "verify-full");
                    });
            CommandResult psql = ClientTools.psql(Duration.ofSeconds(30), "127.0.0.1", router.port(ListenerRole.REPLICA),
                    USER, PASSWORD, "postgres", "-At", "-c", "select 1");
            assertThat(psql.succeeded()).isFalse();
            assertThat(psql.stderr()).contains("TLS certificate of server pg1");
            assertThat(router.metrics().tlsHandshakes("server", false)).isGreaterThanOrEqualTo(2);

            assertThat(query(st, "select 'still here'")).as("the session open on pg0 is unaffected").isEqualTo("still here");
            try (Connection another = jdbc(router, ListenerRole.PRIMARY); Statement s2 = another.createStatement()) {
                assertThat(query(s2, SSL_IN_USE)).isEqualTo("t");
            }
        }
    }

    @Test
    @Timeout(60)
    void verifyFullChecksTheCertificatesNameNotOnlyItsChain() throws Exception {
        try (RouterServer router = router("verify-full", certs.caCert(), "pg3")) {
            assertThatThrownBy(() -> jdbc(router, ListenerRole.REPLICA).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage()).contains("TLS certificate of server pg3", "127.0.0.1");
                    });
        }
    }

    @Test
    @Timeout(60)
    void verifyFullWithTheWrongCaFailsAtOnceOnThePrimaryPortInsteadOfWaitingForTheNode() throws Exception {
        // A refusal is not an outage: 08006 now, not 57P03 after routing.connect_wait_timeout.
        try (RouterServer router = router("verify-full", certs.otherCaCert())) {
            assertThatThrownBy(() -> jdbc(router, ListenerRole.PRIMARY).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage()).contains("TLS certificate of server pg0", "not accepted");
                    });
        }
    }

    @Test
    @Timeout(60)
    void requireEncryptsWithoutCheckingChainOrName() throws Exception {
        for (String replica : List.of("pg1", "pg3")) {
            try (RouterServer router = router("require", null, replica)) {
                assertThat(sslInUse(router, ListenerRole.REPLICA)).as(replica).isTrue();
            }
        }
    }

    @Test
    @Timeout(60)
    void disableAgainstAHostsslOnlyServerPassesOnTheServersRefusal() throws Exception {
        try (RouterServer router = router("disable", null)) {
            assertThatThrownBy(() -> jdbc(router, ListenerRole.PRIMARY).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("no encryption");
                    });
            assertThat(router.metrics().tlsHandshakes("server", true)).isZero();
        }
    }

    @Test
    @Timeout(60)
    void preferUsesTlsWhereTheServerOffersItAndPlainWhereItDoesNot() throws Exception {
        try (RouterServer router = router("prefer", null, "pg2")) {
            assertThat(sslInUse(router, ListenerRole.PRIMARY)).isTrue();
            assertThat(sslInUse(router, ListenerRole.REPLICA)).as("pg2 has no TLS").isFalse();
        }
    }

    @Test
    @Timeout(60)
    void requireAgainstAServerWithoutTlsIsAClearError() throws Exception {
        try (RouterServer router = router("require", null, "pg2")) {
            assertThatThrownBy(() -> jdbc(router, ListenerRole.REPLICA).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage()).contains("server pg2", "does not accept TLS", "server.tls is require");
                    });
        }
    }

    @Test
    @Timeout(60)
    void cancelGoesOverTlsToo() throws Exception {
        try (RouterServer router = router("verify-full", certs.caCert());
             Connection c = jdbc(router, ListenerRole.PRIMARY); Statement st = c.createStatement()) {
            RouterMetrics metrics = router.metrics();
            double before = metrics.tlsHandshakes("server", true);
            JdbcCancel.assertSleepIsCancelled(st);
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.tlsHandshakes("server", true) == before + 1);
        }
    }

    /** A router over pg0 (primary) and the named replicas, with {@code server.tls} as given. */
    private static RouterServer router(String serverTls, Path caFile, String... replicas) throws Exception {
        RouterConfig base = RouterFixture.baseConfig(cluster, userList);
        List<RouterConfig.Member> members = new ArrayList<>();
        members.add(new RouterConfig.Member("pg0", "127.0.0.1", cluster.primary().port(), "primary"));
        for (String name : replicas) {
            PostgresNode node = cluster.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
            members.add(new RouterConfig.Member(name, node.host(), node.port(), "replica"));
        }
        return RouterServer.start(new RouterConfig(base.listen(), new RouterConfig.Topology("tls", members), base.auth(),
                base.pool(), base.limits(), base.routing(), new RouterConfig.Server(null, serverTls, caFile),
                base.dcs(), base.admin(), base.tls()));
    }

    private static boolean sslInUse(RouterServer router, ListenerRole role) throws SQLException {
        try (Connection c = jdbc(router, role); Statement s = c.createStatement()) {
            return query(s, SSL_IN_USE).equals("t");
        }
    }

    private static String query(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            String value = rs.getString(1);
            return "true".equals(value) ? "t" : "false".equals(value) ? "f" : value;
        }
    }

    private static Connection jdbc(RouterServer router, ListenerRole role) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "10");
        props.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + router.port(role) + "/postgres", props);
    }
}
