package io.pgwarden.router.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
 * The startup phase as PostgreSQL has it, seen by psql (libpq), pgjdbc and raw sockets: a
 * connection with a bad length word or one that ends inside its startup packet is closed without
 * an ErrorResponse; a client beyond {@code max_client_conn} has its SSLRequest answered and then
 * gets FATAL 53300 "sorry, too many clients already", which psql prints as PostgreSQL's own —
 * whether the limit is full of logged-in clients or of sockets still in their startup phase, and
 * with or without TLS on the port.
 */
class StartupPhaseIT {

    private static final int MAX_CLIENT_CONN = 2;
    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;
    private static final String TOO_MANY = "FATAL:  sorry, too many clients already";

    private static RouterFixture fixture;
    private static TestCertificates certificates;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        certificates = TestCertificates.create();
        fixture = RouterFixture.start(PostgresCluster.Options.defaults().withReplicas(0).withMaxConnections(10),
                cfg -> new RouterConfig(cfg.listen(), cfg.topology(), cfg.auth(), cfg.pool(),
                        new RouterConfig.Limits(MAX_CLIENT_CONN, null, null, Duration.ofSeconds(20)),
                        cfg.routing(), cfg.server(), cfg.dcs(), cfg.admin(),
                        // TLS offered on the replica port: a refused client there gets its refusal over TLS.
                        new RouterConfig.Tls("disable", null, "allow", certificates.serverCert(), certificates.serverKey(), null)));
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    // ---- communication errors: closed without a word ---------------------------------------------

    @Test
    @Timeout(60)
    void badLengthWordIsClosedWithoutAnErrorResponseAsDirect() throws IOException {
        PostgresNode primary = fixture.cluster().primary();
        // PostgreSQL takes length words from 8 to 10,004 (MAX_STARTUP_PACKET_LENGTH plus the word itself).
        for (int length : new int[] {0, 4, 7, -1, 10_005, Integer.MAX_VALUE}) {
            byte[] packet = ByteBuffer.allocate(16).putInt(length).putInt(196608).array();
            assertThat(answerTo(primary.port(), packet, false)).as("PostgreSQL's answer to length %d", length).isEmpty();
            assertThat(answerTo(fixture.primaryPort(), packet, false)).as("router's answer to length %d", length).isEmpty();
        }
        byte[] http = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(answerTo(primary.port(), http, false)).as("PostgreSQL's answer to HTTP").isEmpty();
        assertThat(answerTo(fixture.primaryPort(), http, false)).as("router's answer to HTTP").isEmpty();
        // A special request with the wrong length.
        byte[] longSsl = ByteBuffer.allocate(12).putInt(12).putInt(80877103).putInt(0).array();
        assertThat(answerTo(fixture.primaryPort(), longSsl, false)).as("router's answer to a 12-byte SSLRequest").isEmpty();
        awaitNoClients();
    }

    @Test
    @Timeout(60)
    void connectionEndingInsideItsStartupPacketGetsNoErrorResponseAsDirect() throws IOException {
        PostgresNode primary = fixture.cluster().primary();
        byte[] startup = startupPacket("postgres");
        byte[] half = java.util.Arrays.copyOf(startup, startup.length / 2);
        for (byte[] cut : List.of(new byte[0], new byte[] {0, 0}, half)) {
            assertThat(answerTo(primary.port(), cut, true)).as("PostgreSQL's answer to %d bytes", cut.length).isEmpty();
            assertThat(answerTo(fixture.primaryPort(), cut, true)).as("router's answer to %d bytes", cut.length).isEmpty();
        }
        awaitNoClients();
    }

    // ---- max_client_conn --------------------------------------------------------------------------

    @Test
    @Timeout(90)
    void psqlBeyondMaxClientConnOfLoggedInClientsShowsPostgresReason() throws Exception {
        CommandResult direct = psqlWhilePostgresIsFull();
        assertThat(direct.stderr()).as("psql straight to a full PostgreSQL").contains(TOO_MANY);

        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CLIENT_CONN; i++) {
                held.add(fixture.connect(fixture.primaryPort()));
            }
            CommandResult routed = psql(fixture.primaryPort(), "");
            assertThat(routed.exitCode()).isEqualTo(direct.exitCode()).isEqualTo(2);
            assertThat(reason(routed.stderr())).as("psql through a full router").isEqualTo(reason(direct.stderr()));

            CommandResult overTls = psql(fixture.replicaPort(), " sslmode=require");
            assertThat(overTls.stderr()).as("psql with sslmode=require through a full router").contains(TOO_MANY)
                    .doesNotContain("SSL");

            assertThatThrownBy(() -> jdbc(fixture.primaryPort()).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("53300");
                        assertThat(e.getMessage()).contains("sorry, too many clients already");
                    });
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        awaitNoClients();
    }

    @Test
    @Timeout(90)
    void psqlBeyondMaxClientConnOfSocketsInTheirStartupPhaseShowsPostgresReason() throws Exception {
        List<Socket> silent = new ArrayList<>();
        try {
            // max_client_conn sockets that never send a startup packet fill the startup phase's bound.
            for (int i = 0; i < MAX_CLIENT_CONN; i++) {
                silent.add(connect(fixture.primaryPort()));
            }
            CommandResult plain = psql(fixture.primaryPort(), "");
            // Before: "server sent an error response during SSL exchange".
            assertThat(plain.stderr()).as("psql (sslmode=prefer) beyond the bound").contains(TOO_MANY)
                    .doesNotContain("SSL exchange");
            assertThat(plain.exitCode()).isEqualTo(2);

            CommandResult overTls = psql(fixture.replicaPort(), " sslmode=require");
            assertThat(overTls.stderr()).as("psql (sslmode=require) beyond the bound").contains(TOO_MANY)
                    .doesNotContain("SSL");

            assertThatThrownBy(() -> jdbc(fixture.primaryPort()).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("53300"));
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
        // The bound is free again: a client gets in.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(SQLException.class)
                .until(() -> {
                    try (Connection c = fixture.connect(fixture.primaryPort())) {
                        return c.isValid(5);
                    }
                });
        awaitNoClients();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Fills PostgreSQL's max_connections with direct connections, then runs psql straight to it. */
    private static CommandResult psqlWhilePostgresIsFull() throws SQLException {
        PostgresNode primary = fixture.cluster().primary();
        List<Connection> filling = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                try {
                    filling.add(primary.connect("postgres"));
                } catch (PSQLException e) {
                    assertThat(e.getSQLState()).isEqualTo("53300");
                    return psql(primary.port(), "");
                }
            }
            throw new AssertionError("PostgreSQL took 20 connections with max_connections 10");
        } finally {
            for (Connection c : filling) {
                c.close();
            }
        }
    }

    private static CommandResult psql(int port, String extraConnInfo) {
        return ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", port, RouterFixture.USER, RouterFixture.PASSWORD,
                "dbname=postgres" + extraConnInfo, "-At", "-c", "select 1");
    }

    /** What psql says after "connection to server at ..., port N failed: ". */
    private static String reason(String stderr) {
        String line = stderr.lines().filter(l -> l.contains("failed: ")).findFirst().orElse(stderr);
        return line.substring(line.indexOf("failed: ") + "failed: ".length());
    }

    private static Connection jdbc(int port) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), SOCKET_TIMEOUT_MILLIS);
        socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return socket;
    }

    /**
     * Sends {@code bytes} (then ends its side if {@code close}), and returns everything the server
     * sent until it closed; fails if it does not close within the socket timeout.
     */
    private static byte[] answerTo(int port, byte[] bytes, boolean close) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            if (close) {
                socket.shutdownOutput();
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            for (int i = 0; i < 1000; i++) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketException reset) {
                    return answer.toByteArray();
                }
                if (n < 0) {
                    return answer.toByteArray();
                }
                answer.write(buffer, 0, n);
            }
            throw new AssertionError("still open after 1000 reads");
        }
    }

    private static byte[] startupPacket(String user) {
        byte[] body = ("user\0" + user + "\0database\0postgres\0\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(196608).put(body).array();
    }

    private static void awaitNoClients() {
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.router().clientCount() == 0);
    }
}
