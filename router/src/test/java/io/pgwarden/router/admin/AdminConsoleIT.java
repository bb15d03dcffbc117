package io.pgwarden.router.admin;

import io.pgwarden.local.CommandResult;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.admin.ConsoleClient.Table;
import io.pgwarden.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The admin console through a live router, with psql and pgjdbc (simple query mode): every SHOW,
 * PAUSE/RESUME around open transactions, KILL of one database, refusal of non-admins and of the
 * extended protocol. Transaction pooling, so PAUSE can drain between transactions.
 */
@Timeout(120)
class AdminConsoleIT {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-pw";
    private static final String KILL_DB = "killme";
    private static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static RouterFixture fixture;
    private static ConsoleClient console;
    private final ExecutorService background = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        fixture = RouterFixture.start(0, c -> {
            append(c.auth().file(), UserList.entry(ADMIN, ADMIN_PASSWORD));
            return new RouterConfig(c.listen(), c.topology(), c.auth(),
                    new RouterConfig.Pool("transaction", null, null, null, null, null, null), null, null, null, null,
                    new RouterConfig.Admin(null, null, null, List.of(ADMIN), PAUSE_TIMEOUT));
        });
        try (Connection direct = fixture.connectDirect(); Statement s = direct.createStatement()) {
            s.execute("CREATE DATABASE " + KILL_DB);
        }
        console = new ConsoleClient(fixture.primaryPort(), "pgwarden", ADMIN, ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @AfterEach
    void resumeEverything() throws SQLException {
        background.shutdownNow();
        if (!console.jdbc("SHOW POOLS").rowsWhere("paused", "t").isEmpty()) {
            console.jdbc("RESUME");
        }
    }

    private static void append(Path file, String line) {
        try {
            Files.writeString(file, line, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Connection connectApp(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        return DriverManager.getConnection(fixture.jdbcUrl(fixture.primaryPort(), database), props);
    }

    private static int queryInt(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    // ---- SHOW ---------------------------------------------------------------------------------

    @Test
    void showPoolsViaPsqlCountsAClientInATransaction() throws Exception {
        try (Connection app = connectApp("postgres")) {
            app.setAutoCommit(false);
            queryInt(app, "select 1");

            Table pools = console.psql("SHOW POOLS");

            assertThat(pools.columns()).containsExactly("node", "database", "user", "pool_mode", "cl_active", "cl_waiting",
                    "sv_active", "sv_idle", "sv_used", "sv_login", "max_size", "maxwait", "maxwait_us", "paused");
            List<Map<String, String>> row = pools.rowsWhere("database", "postgres");
            assertThat(row).hasSize(1);
            assertThat(row.get(0)).containsEntry("node", "pg0").containsEntry("user", "postgres")
                    .containsEntry("pool_mode", "transaction").containsEntry("cl_active", "1")
                    .containsEntry("sv_active", "1").containsEntry("max_size", "20").containsEntry("paused", "f");
            app.rollback();
        }
    }

    @Test
    void showClientsAndServersListTheClientAndItsBackend() throws Exception {
        try (Connection app = connectApp("postgres")) {
            app.setAutoCommit(false);
            int backendPid = queryInt(app, "select pg_backend_pid()");

            Table clients = console.jdbc("SHOW CLIENTS");
            Table servers = console.psql("SHOW SERVERS");

            assertThat(clients.columns()).containsExactly("user", "database", "listener", "listener_port", "addr", "port",
                    "state", "connect_time", "pool_mode", "pinned", "tls", "server");
            assertThat(clients.rowsWhere("user", "postgres")).singleElement().satisfies(c -> assertThat(c)
                    .containsEntry("database", "postgres").containsEntry("listener", "primary")
                    .containsEntry("listener_port", String.valueOf(fixture.primaryPort()))
                    .containsEntry("addr", "127.0.0.1").containsEntry("state", "active")
                    .containsEntry("pool_mode", "transaction").containsEntry("pinned", null)
                    .containsEntry("tls", "f").containsEntry("server", "pg0"));
            assertThat(servers.columns()).containsExactly("node", "addr", "database", "user", "state", "connect_time",
                    "backend_pid");
            assertThat(servers.rowsWhere("backend_pid", String.valueOf(backendPid))).singleElement().satisfies(s -> assertThat(s)
                    .containsEntry("node", "pg0").containsEntry("database", "postgres").containsEntry("state", "active")
                    .containsEntry("addr", fixture.cluster().primary().host() + ":" + fixture.cluster().primary().port()));
            app.rollback();
        }
    }

    @Test
    void showStatsHasPgbouncersColumnsAndCountsTheQueriesSent() throws Exception {
        long before = statsQueries();
        try (Connection app = connectApp("postgres")) {
            for (int i = 0; i < 5; i++) {
                queryInt(app, "SELECT " + i);
            }
        }
        Table stats = console.jdbc("SHOW STATS");

        assertThat(stats.columns()).containsExactly("database", "user", "total_xact_count",
                "total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time",
                "total_wait_time", "avg_xact_time", "avg_query_time", "avg_wait_time");
        // pgjdbc adds a statement of its own after login: at least the five SELECTs are counted.
        assertThat(statsQueries() - before).isGreaterThanOrEqualTo(5);
        assertThat(Long.parseLong(stats.rowsWhere("database", "postgres").get(0).get("total_received"))).isPositive();
    }

    private static long statsQueries() throws Exception {
        return console.jdbc("SHOW STATS").rowsWhere("database", "postgres").stream()
                .filter(r -> RouterFixture.USER.equals(r.get("user")))
                .mapToLong(r -> Long.parseLong(r.get("total_query_count"))).sum();
    }

    @Test
    void showConfigPrintsTheRunningConfigAndWhatAReloadCanChange() {
        Table config = console.psql("SHOW CONFIG");

        assertThat(config.columns()).containsExactly("key", "value", "reloadable");
        assertThat(config.rowsWhere("key", "pool.mode")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("value", "transaction").containsEntry("reloadable", "t"));
        assertThat(config.rowsWhere("key", "admin.users")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("value", "[admin]"));
        assertThat(config.rowsWhere("key", "listen.primary_port")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("value", String.valueOf(fixture.primaryPort()))
                        .containsEntry("reloadable", "f"));
        assertThat(config.rowsWhere("key", "admin.pause_timeout")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("value", "3s"));
    }

    @Test
    void showTopologyShowsThePrimaryTheRouterUses() throws Exception {
        Table topology = console.jdbc("show topology;");

        assertThat(topology.columns()).containsExactly("name", "host", "port", "role", "state", "timeline", "lag_bytes",
                "leader_key", "routing");
        assertThat(topology.rows()).singleElement().satisfies(m -> assertThat(m)
                .containsEntry("name", "pg0").containsEntry("role", "primary").containsEntry("state", "running")
                .containsEntry("leader_key", "t").containsEntry("routing", "primary"));
    }

    @Test
    void versionAndHelpAndTheReplicaPortToo() throws Exception {
        ConsoleClient onReplicaPort = new ConsoleClient(fixture.replicaPort(), "pgwarden", ADMIN, ADMIN_PASSWORD);
        assertThat(onReplicaPort.jdbc("SHOW VERSION").rows()).singleElement()
                .satisfies(r -> assertThat(r.get("version")).startsWith("pgwarden "));
        assertThat(console.psql("SHOW HELP").rows()).extracting(r -> r.get("command"))
                .contains("SHOW POOLS", "RELOAD", "PAUSE [db]", "RESUME [db]", "KILL db");
        // No pool was ever made for the console's database: it opens no server connection.
        assertThat(fixture.router().poolStats()).noneMatch(p -> p.key().database().equals("pgwarden"));
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test
    void unknownCommandIsA42601ListingTheCommandsAndTheSessionGoesOn() throws Exception {
        CommandResult psql = console.psqlRaw("SELECT 1");
        assertThat(psql.exitCode()).isEqualTo(1);
        assertThat(psql.stderr()).contains("42601").contains("SHOW POOLS|CLIENTS");

        try (Connection c = console.connect()) {
            assertThatThrownBy(() -> ConsoleClient.query(c, "SHOW ME"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42601"));
            assertThat(ConsoleClient.query(c, "SHOW VERSION").rows()).hasSize(1);
        }
    }

    @Test
    void extendedProtocolGets0A000AndTheConnectionStaysUsable() throws Exception {
        try (Connection c = console.connect(ADMIN, ADMIN_PASSWORD, "extended")) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> ConsoleClient.query(c, "SHOW POOLS"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("0A000"))
                        .hasMessageContaining("simple query protocol");
            }
        }
    }

    @Test
    void reloadOfARouterWithoutConfigFileIsAnError() {
        CommandResult psql = console.psqlRaw("RELOAD");
        assertThat(psql.exitCode()).isEqualTo(1);
        assertThat(psql.stderr()).contains("F0000").contains("not started from a config file");
    }

    @Test
    void nonAdminsAreRefusedAfterAuthenticatingAndBadPasswordsBefore() {
        assertThatThrownBy(() -> console.connect(RouterFixture.USER, RouterFixture.PASSWORD, "simple"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("42501");
                    assertThat(e.getMessage()).contains("admin.users").contains("\"postgres\"");
                });
        assertThatThrownBy(() -> console.connect(ADMIN, "wrong", "simple"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        assertThatThrownBy(() -> console.connect("nobody", "x", "simple"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        CommandResult psql = new ConsoleClient(fixture.primaryPort(), "pgwarden", RouterFixture.USER, RouterFixture.PASSWORD)
                .psqlRaw("SHOW POOLS");
        assertThat(psql.exitCode()).isEqualTo(2);
        assertThat(psql.stderr()).contains("FATAL:  permission denied for database \"pgwarden\"");
        assertThat(fixture.router().poolStats()).noneMatch(p -> p.key().database().equals("pgwarden"));
    }

    // ---- PAUSE / RESUME / KILL -------------------------------------------------------------

    @Test
    void pauseWaitsForTheOpenTransactionThenHoldsNewWorkUntilResume() throws Exception {
        try (Connection app = connectApp("postgres"); Connection admin = console.connect(); Connection watch = console.connect()) {
            app.setAutoCommit(false);
            queryInt(app, "select 1");

            Future<Table> pause = background.submit(() -> ConsoleClient.query(admin, "PAUSE postgres"));
            await().atMost(WAIT).until(() -> pool(watch, "postgres").get("paused").equals("t"));
            assertThat(pause).as("PAUSE returns only once the transaction has ended").isNotDone();
            app.commit();
            pause.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(pool(watch, "postgres")).containsEntry("sv_active", "0").containsEntry("paused", "t");

            app.setAutoCommit(true);
            Future<Integer> held = background.submit(() -> queryInt(app, "select 42"));
            await().atMost(WAIT).until(() -> pool(watch, "postgres").get("cl_waiting").equals("1"));
            assertThat(held).as("new work is held while paused").isNotDone();

            ConsoleClient.query(watch, "RESUME postgres");
            assertThat(held.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool(watch, "postgres")).containsEntry("paused", "f");
        }
    }

    @Test
    void pauseGivesUpAfterPauseTimeoutAndLeavesNothingPaused() throws Exception {
        try (Connection app = connectApp("postgres"); Connection admin = console.connect()) {
            app.setAutoCommit(false);
            queryInt(app, "select 1");

            assertThatThrownBy(() -> ConsoleClient.query(admin, "PAUSE"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"))
                    .hasMessageContaining("admin.pause_timeout (3000 ms)");
            assertThat(pool(admin, "postgres")).containsEntry("paused", "f");
            assertThat(queryInt(app, "select 7")).isEqualTo(7);
            app.commit();
            assertThatThrownBy(() -> ConsoleClient.query(admin, "RESUME postgres"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).contains("is not paused"));
        }
    }

    @Test
    void killCutsTheClientsAndServersOfThatDatabaseOnly() throws Exception {
        try (Connection victim = connectApp(KILL_DB); Connection bystander = connectApp("postgres")) {
            victim.setAutoCommit(false);
            queryInt(victim, "select 1");
            queryInt(bystander, "select 1");

            Table killed = console.jdbc("KILL " + KILL_DB);

            assertThat(killed.rows()).isEmpty();
            assertThatThrownBy(() -> queryInt(victim, "select 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57P01"))
                    .hasMessageContaining("killed from the admin console");
            assertThat(queryInt(bystander, "select 2")).isEqualTo(2);
            await().atMost(WAIT).until(() -> console.jdbc("SHOW SERVERS").rowsWhere("database", KILL_DB).isEmpty());
            assertThat(console.jdbc("SHOW CLIENTS").rowsWhere("database", KILL_DB)).isEmpty();
            // The database is not paused by KILL: a new client gets in.
            try (Connection again = connectApp(KILL_DB)) {
                assertThat(queryInt(again, "select 3")).isEqualTo(3);
            }
        }
    }

    private static Map<String, String> pool(Connection admin, String database) throws SQLException {
        List<Map<String, String>> rows = ConsoleClient.query(admin, "SHOW POOLS").rowsWhere("database", database);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }
}
