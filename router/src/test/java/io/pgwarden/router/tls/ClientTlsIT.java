package io.pgwarden.router.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.router.JdbcCancel;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.testkit.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PSQLException;

/**
 * TLS between clients and the router, with real psql (libpq) and pgjdbc. One router has a
 * {@code require} primary port (and a client CA) and an {@code allow} replica port (which falls
 * back to the primary: the cluster has no replica); a second router on the same cluster keeps
 * the default, {@code disable}. Database {@code tlsonly} admits TLS clients only (hba {@code tls: true}).
 */
class ClientTlsIT {

    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);
    private static final String TLS_ONLY_DB = "tlsonly";

    private static TestCertificates certs;
    private static RouterFixture fixture;
    private static RouterServer plainRouter;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        certs = TestCertificates.create();
        fixture = RouterFixture.start(0, config -> new RouterConfig(config.listen(), config.topology(),
                new RouterConfig.Auth(config.auth().file(), List.of(
                        new RouterConfig.HbaEntry(TLS_ONLY_DB, "all", "all", "reject", false),
                        new RouterConfig.HbaEntry(null, null, null, null))),
                config.pool(), config.limits(), new RouterConfig.Routing(true), config.server(), config.dcs(),
                config.admin(), new RouterConfig.Tls("allow", "require", null,
                        certs.serverCert(), certs.serverKey(), certs.caCert())));
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            s.execute("create database " + TLS_ONLY_DB);
        }
        plainRouter = RouterServer.start(RouterFixture.baseConfig(fixture.cluster(), fixture.userList()));
    }

    @AfterAll
    static void stop() {
        if (plainRouter != null) {
            plainRouter.close();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    @Test
    @Timeout(60)
    void psqlWithSslmodeRequireRunsItsQueriesOverTls() {
        CommandResult psql = psql("127.0.0.1", fixture.primaryPort(), "dbname=postgres sslmode=require",
                "-At", "-c", "select 40 + 2", "-c", "\\conninfo");

        assertThat(psql.succeeded()).as(psql.stderr()).isTrue();
        assertThat(psql.stdout()).startsWith("42\n").contains("SSL connection (protocol: TLSv1.");
    }

    @Test
    @Timeout(60)
    void psqlWithVerifyFullTrustsTheRoutersCertificateByNameAndAddress() {
        for (String host : List.of("localhost", "127.0.0.1")) {
            CommandResult psql = psql(host, fixture.primaryPort(),
                    "dbname=postgres hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=" + certs.caCert(),
                    "-At", "-c", "select 1", "-c", "\\conninfo");

            assertThat(psql.succeeded()).as("host %s: %s", host, psql.stderr()).isTrue();
            assertThat(psql.stdout()).startsWith("1\n").contains("SSL connection");
        }
    }

    @Test
    @Timeout(60)
    void verifyFullWithTheWrongCaFailsAndIsCountedAsAFailedHandshake() {
        RouterMetrics metrics = fixture.router().metrics();
        double failedBefore = metrics.tlsHandshakes("client", false);

        CommandResult psql = psql("localhost", fixture.primaryPort(),
                "dbname=postgres hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=" + certs.otherCaCert(),
                "-At", "-c", "select 1");

        assertThat(psql.succeeded()).isFalse();
        assertThat(psql.stderr()).contains("certificate verify failed");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics.tlsHandshakes("client", false) > failedBefore);
    }

    @Test
    @Timeout(60)
    void aPlainClientOnARequirePortGets28000SayingTlsIsRequired() {
        CommandResult psql = psql("127.0.0.1", fixture.primaryPort(), "dbname=postgres sslmode=disable",
                "-At", "-c", "select 1");
        assertThat(psql.succeeded()).isFalse();
        assertThat(psql.stderr()).contains("TLS is required on this port");

        assertThatThrownBy(() -> jdbc(fixture.primaryPort(), "postgres", Map.of("sslmode", "disable")).close())
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("TLS is required");
                });
    }

    @Test
    @Timeout(60)
    void anAllowPortTakesTlsAndPlainClients() {
        CommandResult tls = psql("127.0.0.1", fixture.replicaPort(), "dbname=postgres sslmode=require",
                "-At", "-c", "select 1", "-c", "\\conninfo");
        assertThat(tls.succeeded()).as(tls.stderr()).isTrue();
        assertThat(tls.stdout()).contains("SSL connection");

        CommandResult plain = psql("127.0.0.1", fixture.replicaPort(), "dbname=postgres sslmode=disable",
                "-At", "-c", "select 1", "-c", "\\conninfo");
        assertThat(plain.succeeded()).as(plain.stderr()).isTrue();
        assertThat(plain.stdout()).startsWith("1\n").doesNotContain("SSL connection");
    }

    @Test
    @Timeout(60)
    void aDisabledPortTellsASslmodeRequireClientItHasNoTls() {
        CommandResult psql = psql("127.0.0.1", plainRouter.port(ListenerRole.PRIMARY), "dbname=postgres sslmode=require",
                "-At", "-c", "select 1");

        assertThat(psql.succeeded()).isFalse();
        assertThat(psql.stderr()).contains("server does not support SSL, but SSL was required");

        CommandResult prefer = psql("127.0.0.1", plainRouter.port(ListenerRole.PRIMARY), "dbname=postgres sslmode=prefer",
                "-At", "-c", "select 1");
        assertThat(prefer.succeeded()).as("prefer falls back to plain: %s", prefer.stderr()).isTrue();
    }

    @Test
    @Timeout(60)
    void pgjdbcWithVerifyFullConnectsAndQueries() throws SQLException {
        try (Connection c = jdbc(fixture.primaryPort(), "postgres", Map.of("ssl", "true", "sslmode", "verify-full",
                "sslrootcert", certs.caCert().toString()));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 7 * 6")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
        assertThat(fixture.router().metrics().tlsHandshakes("client", true)).isPositive();
    }

    @Test
    @Timeout(60)
    void aClientCertificateIsCheckedAgainstTheClientCaWhenOneIsSent() {
        CommandResult trusted = psql("127.0.0.1", fixture.primaryPort(), "dbname=postgres sslmode=require sslcert="
                + certs.clientCert() + " sslkey=" + certs.clientKey(), "-At", "-c", "select 1");
        assertThat(trusted.succeeded()).as(trusted.stderr()).isTrue();

        CommandResult untrusted = psql("127.0.0.1", fixture.primaryPort(), "dbname=postgres sslmode=require sslcert="
                + certs.otherServerCert() + " sslkey=" + certs.otherServerKey(), "-At", "-c", "select 1");
        assertThat(untrusted.succeeded()).isFalse();
        assertThat(untrusted.stderr()).containsIgnoringCase("certificate");
    }

    @Test
    @Timeout(60)
    void hbaTlsRulesSeeWhetherTheClientIsOnTls() {
        CommandResult plain = psql("127.0.0.1", fixture.replicaPort(), "dbname=" + TLS_ONLY_DB + " sslmode=disable",
                "-At", "-c", "select 1");
        assertThat(plain.succeeded()).isFalse();
        assertThat(plain.stderr()).contains("no pgwarden hba rule allows", "no encryption");

        CommandResult tls = psql("127.0.0.1", fixture.replicaPort(), "dbname=" + TLS_ONLY_DB + " sslmode=require",
                "-At", "-c", "select current_database()");
        assertThat(tls.succeeded()).as(tls.stderr()).isTrue();
        assertThat(tls.stdout().strip()).isEqualTo(TLS_ONLY_DB);
    }

    @Test
    @Timeout(30)
    void bytesSentWithTheSslRequestAreRefusedNotTakenIntoTheEncryptedSession() throws Exception {
        // SSLRequest and a StartupMessage in one write: a man in the middle could have injected the
        // second; it must never be read as if it came over TLS (CVE-2021-23214).
        ByteBuf both = Unpooled.buffer();
        SslRequest.INSTANCE.encode(both);
        new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", RouterFixture.USER, "database", "postgres"))
                .encode(both);
        byte[] bytes = new byte[both.readableBytes()];
        both.readBytes(bytes).release();

        try (Socket socket = new Socket("127.0.0.1", fixture.primaryPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());

            assertThat((char) in.readUnsignedByte()).as("an ErrorResponse, not 'S'").isEqualTo('E');
            byte[] payload = new byte[in.readInt() - 4];
            in.readFully(payload);
            String fields = new String(payload, StandardCharsets.UTF_8);
            assertThat(fields).contains("C08P01").contains("received unencrypted data after SSL request");
            assertThat(in.read()).as("then the router closes").isEqualTo(-1);
        }
    }

    @Test
    @Timeout(60)
    void cancelReachesAClientOnARequirePortThoughPgjdbcSendsItInPlainText() throws Exception {
        try (Connection c = jdbc(fixture.primaryPort(), "postgres", Map.of("sslmode", "require"));
             Statement st = c.createStatement()) {
            JdbcCancel.assertSleepIsCancelled(st);
        }
    }

    private static CommandResult psql(String host, int port, String conninfo, String... args) {
        return ClientTools.psql(PSQL_TIMEOUT, host, port, RouterFixture.USER, RouterFixture.PASSWORD, conninfo, args);
    }

    private static Connection jdbc(int port, String db, Map<String, String> settings) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        settings.forEach(props::setProperty);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, props);
    }
}
