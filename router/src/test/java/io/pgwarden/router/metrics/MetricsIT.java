package io.pgwarden.router.metrics;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.FreePorts;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.postgresql.util.PSQLException;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Real clients (pgjdbc, pgbench, a raw socket) through one router, then a scrape of /metrics:
 * the figures move exactly as the traffic says. Pools hold one server connection, so a second
 * client of a pool has to queue; database {@value #TX_DB} runs in transaction mode.
 */
@Timeout(60)
class MetricsIT {

    private static final String SESSION_DB = "metrics_session";
    private static final String TX_DB = "metrics_tx";
    private static final String LISTENER_DB = "metrics_listener";
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(2);

    private static RouterFixture fixture;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        int adminPort = FreePorts.next();
        fixture = RouterFixture.start(0, c -> new RouterConfig(c.listen(), c.topology(),
                new RouterConfig.Auth(c.auth().file(), List.of(
                        new RouterConfig.HbaEntry("forbidden", null, null, "reject"),
                        new RouterConfig.HbaEntry(null, null, null, "scram-sha-256"))),
                new RouterConfig.Pool("session", 0, 1, null, null, Duration.ofSeconds(30), null, null,
                        List.of(new RouterConfig.PoolOverride(TX_DB, null, "transaction"))),
                new RouterConfig.Limits(null, null, null, AUTH_TIMEOUT),
                new RouterConfig.Routing(true), c.server(), c.dcs(), new RouterConfig.Admin("127.0.0.1", adminPort)));
        try (Connection direct = fixture.connectDirect(); Statement s = direct.createStatement()) {
            for (String db : List.of(SESSION_DB, TX_DB, LISTENER_DB)) {
                s.execute("create database " + db);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    // ---- traffic ------------------------------------------------------------------------------

    @Test
    void queriesTransactionsAndBytesAreWhatAJdbcClientSent() throws Exception {
        try (Connection client = connect(fixture.primaryPort(), SESSION_DB, RouterFixture.USER, RouterFixture.PASSWORD);
             Statement s = client.createStatement()) {
            TrafficSnapshot before = traffic(SESSION_DB);
            double sentBefore = metric("pgwarden_client_sent_bytes_total", pool(SESSION_DB));

            for (int i = 0; i < 20; i++) {
                try (ResultSet rs = s.executeQuery("select " + i)) {
                    assertThat(rs.next()).isTrue();
                }
            }
            // One transaction: pgjdbc's BEGIN, three statements and the commit, five round trips.
            client.setAutoCommit(false);
            for (int i = 0; i < 3; i++) {
                s.execute("select " + i);
            }
            client.commit();
            client.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("select repeat('x', 100000)")) {
                assertThat(rs.next()).isTrue();
            }

            TrafficSnapshot after = traffic(SESSION_DB);
            assertThat(after.queries() - before.queries()).isEqualTo(20 + 5 + 1);
            assertThat(after.transactions() - before.transactions()).isEqualTo(20 + 1 + 1);
            assertThat(after.bytesReceived()).isGreaterThan(before.bytesReceived());
            assertThat(after.bytesSent() - before.bytesSent()).isGreaterThan(100_000);
            assertThat(after.queryMicros()).isGreaterThan(before.queryMicros());
            assertThat(after.transactionMicros()).isGreaterThanOrEqualTo(after.queryMicros() - before.queryMicros());

            // The scrape tells the same story as traffic(), and its histograms count every query.
            String pool = pool(SESSION_DB);
            assertThat(metric("pgwarden_queries_total", pool)).isEqualTo(after.queries());
            assertThat(metric("pgwarden_transactions_total", pool)).isEqualTo(after.transactions());
            assertThat(metric("pgwarden_query_duration_seconds_count", pool)).isEqualTo(after.queries());
            assertThat(metric("pgwarden_transaction_duration_seconds_count", pool)).isEqualTo(after.transactions());
            assertThat(metric("pgwarden_query_duration_seconds_sum", pool) * 1e6).isCloseTo(after.queryMicros(),
                    org.assertj.core.data.Offset.offset(1.0));
            assertThat(metric("pgwarden_client_received_bytes_total", pool)).isEqualTo(after.bytesReceived());
            assertThat(metric("pgwarden_client_sent_bytes_total", pool)).isEqualTo(after.bytesSent()).isGreaterThan(sentBefore);
            for (String quantile : List.of("0.5", "0.95", "0.99")) {
                String labels = pool.substring(0, pool.length() - 1) + ",quantile=\"" + quantile + "\"}";
                assertThat(metric("pgwarden_query_duration_seconds", labels)).isPositive();
                assertThat(metric("pgwarden_transaction_duration_seconds", labels)).isPositive();
            }
            assertThat(metric("pgwarden_query_duration_seconds_max", pool)).isPositive();
        }
    }

    @Test
    void pgbenchTransactionsAreCountedOnePerScriptRun() throws Exception {
        Path script = Files.writeString(fixture.cluster().tempDir().resolve("metrics-select.sql"), "select 1;\n");
        TrafficSnapshot before = traffic(SESSION_DB);

        ClientTools.pgbench("127.0.0.1", fixture.primaryPort(), RouterFixture.USER, RouterFixture.PASSWORD, SESSION_DB,
                "-n", "-M", "extended", "-c", "1", "-t", "30", "-f", script.toString()).requireSuccess("pgbench");

        TrafficSnapshot after = traffic(SESSION_DB);
        assertThat(after.transactions() - before.transactions()).isEqualTo(30);
        assertThat(after.queries() - before.queries()).isEqualTo(30);
        assertThat(after.bytesReceived()).isGreaterThan(before.bytesReceived());
        assertThat(after.waitMicros()).isGreaterThanOrEqualTo(before.waitMicros());
    }

    @Test
    void aCopyFromStdinIsOneQueryAndLeavesNothingRunning() throws Exception {
        try (Connection client = connect(fixture.primaryPort(), SESSION_DB, RouterFixture.USER, RouterFixture.PASSWORD);
             Statement s = client.createStatement()) {
            s.execute("create temp table copied (n int)");
            TrafficSnapshot before = traffic(SESSION_DB);

            long rows = new CopyManager(client.unwrap(BaseConnection.class))
                    .copyIn("copy copied from stdin", new StringReader("1\n2\n3\n"));
            try (ResultSet rs = s.executeQuery("select sum(n) from copied")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(6);
            }

            TrafficSnapshot after = traffic(SESSION_DB);
            assertThat(rows).isEqualTo(3);
            assertThat(after.queries() - before.queries()).isEqualTo(2);
            assertThat(after.transactions() - before.transactions()).isEqualTo(2);
            assertThat(metric("pgwarden_query_duration_seconds_count", pool(SESSION_DB))).isEqualTo(after.queries());
        }
    }

    // ---- pools --------------------------------------------------------------------------------

    @Test
    void aClientQueuedBehindAnOpenTransactionIsShownAsWaitingAndItsWaitIsTimed() throws Exception {
        String pool = "{database=\"" + TX_DB + "\",node=\"pg0\",user=\"postgres\"}";
        String active = "{database=\"" + TX_DB + "\",node=\"pg0\",state=\"active\",user=\"postgres\"}";
        double waitsBefore = metricOrZero("pgwarden_pool_wait_seconds_count", pool(TX_DB));
        long waitMicrosBefore = traffic(TX_DB).waitMicros();
        try (Connection waiter = connect(fixture.primaryPort(), TX_DB, RouterFixture.USER, RouterFixture.PASSWORD);
             Connection holder = connect(fixture.primaryPort(), TX_DB, RouterFixture.USER, RouterFixture.PASSWORD)) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("select 1");    // holds the pool's only connection
            assertThat(metric("pgwarden_pool_waiting_clients", pool)).isZero();
            assertThat(metric("pgwarden_pool_active_clients", pool)).isEqualTo(1);
            assertThat(metric("pgwarden_pool_server_connections", active)).isEqualTo(1);

            CompletableFuture<Integer> queued = CompletableFuture.supplyAsync(() -> selectOne(waiter));
            await().atMost(Duration.ofSeconds(20)).until(() -> metric("pgwarden_pool_waiting_clients", pool) == 1);
            long seenWaiting = System.nanoTime();
            assertThat(queued).isNotDone();
            long released = System.nanoTime();
            holder.commit();
            assertThat(queued.get(20, TimeUnit.SECONDS)).isEqualTo(1);

            assertThat(metric("pgwarden_pool_waiting_clients", pool)).isZero();
            // Per client its login and pgjdbc's set-up statement, then the holder's transaction and
            // the waiter's query: six checkouts.
            assertThat(metric("pgwarden_pool_wait_seconds_count", pool(TX_DB)) - waitsBefore).isEqualTo(6);
            // The waiter waited at least from when we saw it queued until we let go.
            assertThat(traffic(TX_DB).waitMicros() - waitMicrosBefore)
                    .isGreaterThanOrEqualTo(TimeUnit.NANOSECONDS.toMicros(released - seenWaiting));
            assertThat(metric("pgwarden_pool_wait_seconds_max", pool(TX_DB))).isPositive();
            String p99 = "{database=\"" + TX_DB + "\",user=\"postgres\",quantile=\"0.99\"}";
            assertThat(metric("pgwarden_pool_wait_seconds", p99)).isPositive();
        }
    }

    @Test
    void loggedInClientsAreCountedPerListener() throws Exception {
        RouterMetrics metrics = fixture.router().metrics();
        // Earlier tests' clients may still be on their way out.
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.listenerClients(ListenerRole.PRIMARY) == 0
                && metrics.listenerClients(ListenerRole.REPLICA) == 0);
        try (Connection primary = connect(fixture.primaryPort(), LISTENER_DB, RouterFixture.USER, RouterFixture.PASSWORD);
             Connection replica = connect(fixture.replicaPort(), SESSION_DB, RouterFixture.USER, RouterFixture.PASSWORD)) {
            assertThat(selectOne(primary) + selectOne(replica)).isEqualTo(2);
            assertThat(metric("pgwarden_listener_clients", "{listener=\"primary\"}")).isEqualTo(1);
            assertThat(metric("pgwarden_listener_clients", "{listener=\"replica\"}")).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("pgwarden_listener_clients", "{listener=\"primary\"}") == 0
                && metric("pgwarden_listener_clients", "{listener=\"replica\"}") == 0);
    }

    // ---- auth ---------------------------------------------------------------------------------

    @Test
    void failedLoginsAreCountedByReason() throws Exception {
        RouterMetrics metrics = fixture.router().metrics();
        double wrong = metrics.authFailures(AuthFailure.WRONG_PASSWORD);
        double unknown = metrics.authFailures(AuthFailure.UNKNOWN_USER);
        double hba = metrics.authFailures(AuthFailure.HBA_REJECT);
        double timeout = metrics.authFailures(AuthFailure.TIMEOUT);

        assertThatThrownBy(() -> connect(fixture.primaryPort(), "postgres", RouterFixture.USER, "wrong").close())
                .isInstanceOf(PSQLException.class).hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> connect(fixture.primaryPort(), "postgres", "nobody", "whatever").close())
                .isInstanceOf(PSQLException.class).hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> connect(fixture.primaryPort(), "postgres", "nobody", "again").close())
                .isInstanceOf(PSQLException.class).hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> connect(fixture.primaryPort(), "forbidden", RouterFixture.USER, RouterFixture.PASSWORD).close())
                .isInstanceOf(PSQLException.class).hasMessageContaining("no pgwarden hba rule allows");
        startLoginAndGoSilent();

        assertThat(metric("pgwarden_auth_failures_total", "{reason=\"wrong_password\"}")).isEqualTo(wrong + 1);
        assertThat(metric("pgwarden_auth_failures_total", "{reason=\"unknown_user\"}")).isEqualTo(unknown + 2);
        assertThat(metric("pgwarden_auth_failures_total", "{reason=\"hba_reject\"}")).isEqualTo(hba + 1);
        assertThat(metric("pgwarden_auth_failures_total", "{reason=\"timeout\"}")).isEqualTo(timeout + 1);
    }

    /** Sends a startup packet, never answers the SCRAM challenge, and reads until the router hangs up. */
    private static void startLoginAndGoSilent() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.primaryPort()), 5_000);
            socket.setSoTimeout((int) AUTH_TIMEOUT.multipliedBy(5).toMillis());
            byte[] parameters = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer startup = ByteBuffer.allocate(8 + parameters.length).putInt(8 + parameters.length)
                    .putInt(196608).put(parameters);
            OutputStream out = socket.getOutputStream();
            out.write(startup.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            String lastError = null;
            try {
                while (true) {
                    char type = (char) in.readUnsignedByte();
                    byte[] payload = new byte[in.readInt() - 4];
                    in.readFully(payload);
                    if (type == 'E') {
                        lastError = new String(payload, StandardCharsets.UTF_8);
                    }
                }
            } catch (EOFException closed) {
                assertThat(lastError).contains("auth_timeout");
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Connection connect(int port, String database, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        // One attempt per connect: with the defaults pgjdbc tries again after a failed login.
        props.setProperty("sslmode", "disable");
        props.setProperty("gssEncMode", "disable");
        return DriverManager.getConnection(fixture.jdbcUrl(port, database), props);
    }

    private static int selectOne(Connection connection) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrafficSnapshot traffic(String database) {
        return fixture.router().metrics().traffic().stream()
                .filter(t -> t.database().equals(database) && t.user().equals(RouterFixture.USER))
                .findFirst().orElse(new TrafficSnapshot(database, RouterFixture.USER, 0, 0, 0, 0, 0, 0, 0));
    }

    /** The labels of a (database, user) traffic series, as Prometheus prints them. */
    private static String pool(String database) {
        return "{database=\"" + database + "\",user=\"postgres\"}";
    }

    private static String scrape() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + fixture.router().adminPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of one series in a fresh scrape; fails when the series is not there. */
    private static double metric(String name, String labels) throws Exception {
        String series = name + labels + " ";
        return scrape().lines().filter(line -> line.startsWith(series)).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length()).trim()))
                .orElseThrow(() -> new AssertionError("no series " + name + labels + " in /metrics"));
    }

    private static double metricOrZero(String name, String labels) throws Exception {
        String series = name + labels + " ";
        return scrape().lines().filter(line -> line.startsWith(series)).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length()).trim())).orElse(0.0);
    }
}
