package io.pgwarden.router.transaction;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.pinning.PinReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.pgwarden.router.transaction.TransactionPool.backendPid;
import static io.pgwarden.router.transaction.TransactionPool.execute;
import static io.pgwarden.router.transaction.TransactionPool.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Each kind of session state pins its client to one server connection: the state is there in
 * every later transaction, no other client ever sees it, the pin is counted in
 * {@code pgwarden_pinned_clients{reason}} while the client is connected, and the connection
 * is reset (or closed) when the client leaves. The pool has two connections: the pinned
 * client holds one, everyone else shares the other.
 */
class PinningIT {

    private static final int ROUNDS = 4;

    private static RouterFixture fixture;
    private static RouterMetrics metrics;

    @BeforeAll
    @Timeout(120)
    static void startCluster() throws Exception {
        fixture = TransactionPool.start(2);
        metrics = fixture.router().metrics();
    }

    @AfterAll
    @Timeout(60)
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Timeout(60)
    void setKeepsTheClientsValuesAndNobodyElseSeesThem() throws Exception {
        try (Connection pinned = connect(); Connection other = connect()) {
            String defaultPath = queryString(other, "show search_path");
            execute(pinned, "SET search_path TO pin_schema, public");
            execute(pinned, "SET statement_timeout = '1234ms'");
            int pid = backendPid(pinned);
            assertPinned(PinReason.SET);
            assertThat(metrics.scrape()).contains("pgwarden_pinned_clients{reason=\"set\"} 1.0");

            for (int round = 0; round < ROUNDS; round++) {
                assertThat(inTransaction(other, "select current_setting('search_path') || ' ' || current_setting('statement_timeout')"))
                        .as("another client, round %d", round).isEqualTo(defaultPath + " 0");
                assertThat(inTransaction(pinned, "select current_setting('search_path') || ' ' || current_setting('statement_timeout')"))
                        .as("pinned client in a transaction, round %d", round).isEqualTo("pin_schema, public 1234ms");
                assertThat(queryString(pinned, "show statement_timeout")).isEqualTo("1234ms");
                assertThat(backendPid(pinned)).as("the pinned client's server").isEqualTo(pid);
            }
            assertPinned(PinReason.SET);
        }
        awaitUnpinned(PinReason.SET);
    }

    @Test
    @Timeout(60)
    void resetKeepsTheResetValue() throws Exception {
        // Both clients start with the same options; the router re-applies them on every server.
        Map<String, String> options = Map.of("options", "-c statement_timeout=4321 -c lock_timeout=1111");
        String state = "select current_setting('statement_timeout') || ' ' || current_setting('lock_timeout')";
        try (Connection pinned = TransactionPool.connect(fixture, options); Connection other = TransactionPool.connect(fixture, options)) {
            assertThat(queryString(pinned, state)).isEqualTo("4321ms 1111ms");
            // A reported setting is carried from server to server and pins nothing (pgjdbc sets application_name).
            execute(pinned, "RESET application_name");
            assertPinned(null);

            execute(pinned, "RESET lock_timeout; SET statement_timeout = '2500ms'");
            int pid = backendPid(pinned);
            assertPinned(PinReason.RESET);
            // What lock_timeout went back to is not asserted: PostgreSQL returns to the startup value
            // (1111ms), the router applied the options with SET so the server returns to its own
            // default. Either way the client must keep it in every later transaction.
            String afterReset = queryString(pinned, state);
            assertThat(afterReset).startsWith("2500ms ");
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(inTransaction(other, state)).as("another client, round %d", round).isEqualTo("4321ms 1111ms");
                assertThat(inTransaction(pinned, state)).as("pinned client, round %d", round).isEqualTo(afterReset);
                assertThat(backendPid(pinned)).isEqualTo(pid);
            }
            assertPinned(PinReason.RESET);
        }
        awaitUnpinned(PinReason.RESET);
    }

    @Test
    @Timeout(60)
    void listenKeepsReceivingNotificationsAcrossTransactions() throws Exception {
        try (Connection listener = connect(); Connection notifier = connect()) {
            execute(listener, "LISTEN pin_events");
            assertPinned(PinReason.LISTEN);
            List<String> received = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                execute(notifier, "NOTIFY pin_events, 'round " + round + "'");
                assertThat(inTransaction(listener, "select 'busy'")).isEqualTo("busy");
                received.addAll(payloads(listener.unwrap(PGConnection.class).getNotifications(100)));
            }
            // One more while the listener sits idle: it must arrive unprompted.
            execute(notifier, "NOTIFY pin_events, 'while idle'");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (received.size() < ROUNDS + 1 && System.nanoTime() < deadline) {
                received.addAll(payloads(listener.unwrap(PGConnection.class).getNotifications(1000)));
            }
            assertThat(received).containsExactly("round 0", "round 1", "round 2", "round 3", "while idle");
            assertPinned(PinReason.LISTEN);
        }
        awaitUnpinned(PinReason.LISTEN);
    }

    @Test
    @Timeout(60)
    void sessionAdvisoryLockIsHeldUntilTheHolderLeaves() throws Exception {
        // Through the router the other client tries a transaction-level lock, which conflicts with
        // the session lock and pins nothing; straight to PostgreSQL it tries a session lock.
        try (Connection other = connect(); Connection direct = TransactionPool.connectDirect(fixture)) {
            try (Connection holder = connect()) {
                execute(holder, "select pg_advisory_lock(4242)");
                assertPinned(PinReason.ADVISORY_LOCK);
                for (int round = 0; round < ROUNDS; round++) {
                    assertThat(inTransaction(holder, "select count(*) from pg_locks where locktype = 'advisory'"
                            + " and objid = 4242 and granted and pid = pg_backend_pid()")).as("round %d", round).isEqualTo("1");
                    assertThat(queryString(other, "select pg_try_advisory_xact_lock(4242)")).as("round %d", round).isEqualTo("f");
                    assertThat(queryString(direct, "select pg_try_advisory_lock(4242)")).as("round %d", round).isEqualTo("f");
                }
                assertPinned(PinReason.ADVISORY_LOCK);
            }
            awaitUnpinned(PinReason.ADVISORY_LOCK);
            // The holder's server was reset (DISCARD ALL) or closed: the lock is free again.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> queryString(direct, "select pg_try_advisory_lock(4242)").equals("t"));
            assertThat(queryString(other, "select pg_try_advisory_xact_lock(4242)")).as("held by the direct session now").isEqualTo("f");
            execute(direct, "select pg_advisory_unlock(4242)");
            assertThat(queryString(other, "select pg_try_advisory_xact_lock(4242)")).isEqualTo("t");
            assertThat(metrics.pinnedClients(PinReason.ADVISORY_LOCK)).isZero();
        }
    }

    @Test
    @Timeout(60)
    void temporaryTableStaysWithItsCreator() throws Exception {
        try (Connection owner = connect(); Connection other = connect()) {
            execute(owner, "CREATE TEMP TABLE pin_tmp (v int)");
            execute(owner, "insert into pin_tmp values (1), (2)");
            assertPinned(PinReason.TEMP_TABLE);
            for (int round = 0; round < ROUNDS; round++) {
                execute(owner, "insert into pin_tmp values (" + (10 + round) + ")");
                assertThat(inTransaction(owner, "select count(*) from pin_tmp")).isEqualTo(String.valueOf(3 + round));
                assertThat(inTransaction(other, "select coalesce(to_regclass('pin_tmp')::text, 'absent')")).isEqualTo("absent");
            }
            assertPinned(PinReason.TEMP_TABLE);
        }
        awaitUnpinned(PinReason.TEMP_TABLE);
        try (Connection direct = TransactionPool.connectDirect(fixture)) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                    queryString(direct, "select count(*) from pg_class where relname = 'pin_tmp'").equals("0"));
        }
    }

    @Test
    @Timeout(60)
    void sqlPreparedStatementIsExecutableInLaterTransactions() throws Exception {
        try (Connection owner = connect(); Connection other = connect()) {
            execute(owner, "PREPARE pin_triple(int) AS select $1 * 3");
            assertPinned(PinReason.PREPARE);
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(inTransaction(owner, "EXECUTE pin_triple(" + round + ")")).isEqualTo(String.valueOf(3 * round));
                assertThat(queryString(owner, "EXECUTE pin_triple(7)")).isEqualTo("21");
                assertThat(queryString(other, "select count(*) from pg_prepared_statements where name = 'pin_triple'")).isEqualTo("0");
                SQLException missing = catchThrowableOfType(SQLException.class, () -> queryString(other, "EXECUTE pin_triple(1)"));
                assertThat(missing.getSQLState()).isEqualTo("26000");
            }
            assertPinned(PinReason.PREPARE);
        }
        awaitUnpinned(PinReason.PREPARE);
    }

    @Test
    @Timeout(60)
    void withHoldCursorIsFetchedAcrossTransactions() throws Exception {
        try (Connection owner = connect(); Connection other = connect()) {
            execute(owner, "DECLARE pin_cursor CURSOR WITH HOLD FOR select g from generate_series(1, 9) g");
            assertPinned(PinReason.WITH_HOLD_CURSOR);
            for (int round = 0; round < 3; round++) {
                owner.setAutoCommit(false);
                assertThat(column(owner, "FETCH 3 FROM pin_cursor")).as("round %d", round)
                        .containsExactly(String.valueOf(3 * round + 1), String.valueOf(3 * round + 2), String.valueOf(3 * round + 3));
                owner.commit();
                owner.setAutoCommit(true);
                assertThat(queryString(other, "select count(*) from pg_cursors where name = 'pin_cursor'")).isEqualTo("0");
            }
            assertThat(column(owner, "FETCH 3 FROM pin_cursor")).isEmpty();
            assertPinned(PinReason.WITH_HOLD_CURSOR);
        }
        awaitUnpinned(PinReason.WITH_HOLD_CURSOR);
    }

    @Test
    @Timeout(60)
    void sessionSetConfigKeepsItsValue() throws Exception {
        try (Connection owner = connect(); Connection other = connect()) {
            assertThat(queryString(owner, "select set_config('pgw.pin_marker', 'kept', false)")).isEqualTo("kept");
            assertPinned(PinReason.SET_CONFIG);
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(inTransaction(owner, "select current_setting('pgw.pin_marker', true)")).isEqualTo("kept");
                assertThat(inTransaction(other, "select coalesce(current_setting('pgw.pin_marker', true), '')")).isEmpty();
            }
            assertPinned(PinReason.SET_CONFIG);
        }
        awaitUnpinned(PinReason.SET_CONFIG);
    }

    @Test
    @Timeout(60)
    void loadedLibraryNeverReachesAnotherClient() throws Exception {
        String loaded = "select count(*) from pg_settings where name = 'auto_explain.log_min_duration'";
        try (Connection owner = connect(); Connection other = connect()) {
            execute(owner, "LOAD 'auto_explain'");
            assertPinned(PinReason.LOAD);
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(inTransaction(owner, loaded)).as("round %d", round).isEqualTo("1");
                assertThat(inTransaction(other, loaded)).as("round %d", round).isEqualTo("0");
            }
            assertPinned(PinReason.LOAD);
        }
        awaitUnpinned(PinReason.LOAD);
        // No reset query unloads a library. Two clients inside transactions hold both connections
        // the pool may have: neither may have it loaded.
        try (Connection first = connect(); Connection second = connect()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            assertThat(queryString(first, loaded)).isEqualTo("0");
            assertThat(queryString(second, loaded)).isEqualTo("0");
            assertThat(backendPid(first)).isNotEqualTo(backendPid(second));
            first.rollback();
            second.rollback();
        }
    }

    private static Connection connect() throws SQLException {
        return TransactionPool.connect(fixture, Map.of());
    }

    /** Runs one query in an explicit transaction of its own. */
    private static String inTransaction(Connection c, String sql) throws SQLException {
        c.setAutoCommit(false);
        try {
            String value = queryString(c, sql);
            c.commit();
            return value;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static List<String> payloads(PGNotification[] notifications) {
        return notifications == null ? List.of() : Arrays.stream(notifications).map(PGNotification::getParameter).toList();
    }

    /** Exactly one client is pinned, for this reason; none when it is null. */
    private static void assertPinned(PinReason reason) {
        for (PinReason each : PinReason.values()) {
            assertThat(metrics.pinnedClients(each)).as("clients pinned for %s", each.tag()).isEqualTo(each == reason ? 1 : 0);
        }
    }

    private static void awaitUnpinned(PinReason reason) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> metrics.pinnedClients(reason) == 0);
    }
}
