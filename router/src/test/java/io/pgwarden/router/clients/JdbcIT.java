package io.pgwarden.router.clients;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.SharedRouterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The PostgreSQL JDBC driver through the router behaves as it does straight against PostgreSQL. */
@ExtendWith(SharedRouterFixture.class)
class JdbcIT {

    /** Bounds every socket read, so a lost reply fails the test instead of hanging it. */
    private static final int NETWORK_TIMEOUT_MILLIS = 30_000;
    private static final String JDBC_APPLICATION_NAME = "PostgreSQL JDBC Driver";

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster(RouterFixture shared) throws Exception {
        fixture = shared;
    }

    @Test
    @Timeout(30)
    void eachPortReachesItsRole() throws SQLException {
        try (Connection c = connect(fixture.primaryPort())) {
            assertThat(queryBoolean(c, "select pg_is_in_recovery()")).isFalse();
        }
        Set<Long> replicaPorts = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            try (Connection c = connect(fixture.replicaPort())) {
                assertThat(queryBoolean(c, "select pg_is_in_recovery()")).isTrue();
                replicaPorts.add(queryLong(c, "select inet_server_port()"));
            }
        }
        assertThat(replicaPorts).as("round-robin over both replicas").containsExactlyInAnyOrderElementsOf(
                fixture.cluster().replicas().stream().map(node -> (long) node.port()).toList());
    }

    @Test
    @Timeout(30)
    void tenThousandRowsArriveCompleteOnBothPorts() throws SQLException {
        for (int port : new int[] {fixture.primaryPort(), fixture.replicaPort()}) {
            try (Connection c = connect(port); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select g, 'row ' || g || repeat('.', g % 97) from generate_series(1, 10000) g")) {
                int expected = 0;
                while (rs.next()) {
                    expected++;
                    assertThat(rs.getInt(1)).isEqualTo(expected);
                    assertThat(rs.getString(2)).isEqualTo("row " + expected + ".".repeat(expected % 97));
                }
                assertThat(expected).as("rows on port %d", port).isEqualTo(10_000);
            }
        }
    }

    @Test
    @Timeout(30)
    void cursorFetchesInBatches() throws SQLException {
        // A fetch size inside a transaction makes the driver Execute with a row limit: PortalSuspended, then more.
        try (Connection c = connect(fixture.primaryPort())) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(500);
                long count = 0;
                long sum = 0;
                try (ResultSet rs = s.executeQuery("select g from generate_series(1, 10000) g")) {
                    while (rs.next()) {
                        count++;
                        sum += rs.getLong(1);
                    }
                }
                assertThat(count).isEqualTo(10_000);
                assertThat(sum).isEqualTo(10_000L * 10_001 / 2);
            }
            c.commit();
        }
    }

    @Test
    @Timeout(30)
    void multiStatementTransactionIsVisibleOnlyAfterCommit() throws SQLException {
        try (Connection writer = connect(fixture.primaryPort()); Connection reader = connect(fixture.primaryPort())) {
            execute(writer, "create table tx_items (id int primary key, name text not null)");
            writer.setAutoCommit(false);
            try (PreparedStatement insert = writer.prepareStatement("insert into tx_items values (?, ?)")) {
                for (int i = 1; i <= 5; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item " + i);
                    assertThat(insert.executeUpdate()).isEqualTo(1);
                }
            }
            try (PreparedStatement insert = writer.prepareStatement("insert into tx_items values (?, ?)")) {
                for (int i = 6; i <= 1005; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "batched " + i);
                    insert.addBatch();
                }
                assertThat(insert.executeBatch()).hasSize(1000).containsOnly(1);
            }
            execute(writer, "update tx_items set name = name || '!' where id = 3");
            assertThat(queryLong(writer, "select count(*) from tx_items")).isEqualTo(1005);
            assertThat(queryLong(reader, "select count(*) from tx_items")).as("uncommitted rows").isZero();

            writer.commit();

            assertThat(queryLong(reader, "select count(*) from tx_items")).isEqualTo(1005);
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("select name from tx_items where id = 3")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("item 3!");
            }
        }
    }

    @Test
    @Timeout(30)
    void errorInTransactionThenRollbackLeavesAUsableConnection() throws SQLException {
        try (Connection c = connect(fixture.primaryPort())) {
            execute(c, "create table rollback_items (id int)");
            c.setAutoCommit(false);
            execute(c, "insert into rollback_items values (1)");

            SQLException divide = catchThrowableOfType(SQLException.class, () -> queryLong(c, "select 1 / 0"));
            assertThat(divide.getSQLState()).isEqualTo("22012");
            SQLException aborted = catchThrowableOfType(SQLException.class, () -> queryLong(c, "select 1"));
            assertThat(aborted.getSQLState()).as("in failed transaction").isEqualTo("25P02");

            c.rollback();
            c.setAutoCommit(true);
            assertThat(queryLong(c, "select 42")).isEqualTo(42);
            assertThat(queryLong(c, "select count(*) from rollback_items")).isZero();
        }
    }

    @Test
    @Timeout(30)
    void setApplicationNameIsReportedAndDoesNotLeakToTheNextClient() throws SQLException {
        try (Connection c = connect(fixture.primaryPort())) {
            assertThat(c.unwrap(PGConnection.class).getParameterStatus("application_name")).isEqualTo(JDBC_APPLICATION_NAME);
            execute(c, "SET application_name = 'x'");
            assertThat(c.unwrap(PGConnection.class).getParameterStatus("application_name")).isEqualTo("x");
            assertThat(queryString(c, "show application_name")).isEqualTo("x");
        }
        // The server connection went back to the pool; whoever gets it next sees their own settings.
        try (Connection c = connect(fixture.primaryPort())) {
            assertThat(c.unwrap(PGConnection.class).getParameterStatus("application_name")).isEqualTo(JDBC_APPLICATION_NAME);
            assertThat(queryString(c, "show application_name")).isEqualTo(JDBC_APPLICATION_NAME);
        }
    }

    @Test
    @Timeout(30)
    void parameterStatusesAtLoginMatchADirectConnection() throws SQLException {
        try (Connection routed = connect(fixture.primaryPort()); Connection direct = connectDirect()) {
            assertThat(routed.unwrap(PGConnection.class).getParameterStatuses())
                    .isEqualTo(direct.unwrap(PGConnection.class).getParameterStatuses());
        }
    }

    @Test
    @Timeout(30)
    void notificationReachesAListenerWaitingForIt() throws Exception {
        try (Connection listener = connect(fixture.primaryPort()); Connection notifier = connect(fixture.primaryPort())) {
            execute(listener, "LISTEN router_events");
            // Sent while the listener is already blocked reading: the router must pass it on unprompted.
            CompletableFuture<Void> notify = CompletableFuture.runAsync(() -> {
                try {
                    TimeUnit.MILLISECONDS.sleep(300);
                    execute(notifier, "NOTIFY router_events, 'hello through the router'");
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(10_000);
            notify.get(10, TimeUnit.SECONDS);

            assertThat(received).hasSize(1);
            assertThat(received[0].getName()).isEqualTo("router_events");
            assertThat(received[0].getParameter()).isEqualTo("hello through the router");
        }
    }

    @Test
    @Timeout(30)
    void queryTimeoutCancelsThroughTheRouter() throws SQLException {
        // The driver's timer sends a CancelRequest with the key the router gave it; the router must pass it on.
        try (Connection c = connect(fixture.primaryPort()); Statement s = c.createStatement()) {
            s.setQueryTimeout(1);
            long start = System.nanoTime();
            SQLException canceled = catchThrowableOfType(SQLException.class, () -> s.execute("select pg_sleep(20)"));
            assertThat(canceled.getSQLState()).isEqualTo("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(queryLong(c, "select 1")).as("still usable").isEqualTo(1);
        }
    }

    @Test
    @Timeout(30)
    void syntaxErrorCarriesTheSameSqlStateAsDirect() throws SQLException {
        SQLException direct;
        try (Connection c = connectDirect()) {
            direct = catchThrowableOfType(SQLException.class, () -> execute(c, "selec 1"));
        }
        assertThat(direct.getSQLState()).isEqualTo("42601");
        for (int port : new int[] {fixture.primaryPort(), fixture.replicaPort()}) {
            try (Connection c = connect(port)) {
                SQLException routed = catchThrowableOfType(SQLException.class, () -> execute(c, "selec 1"));
                assertThat(routed.getSQLState()).isEqualTo("42601");
                assertThat(routed.getMessage()).isEqualTo(direct.getMessage());
                assertThat(queryLong(c, "select 1")).as("still usable").isEqualTo(1);
            }
        }
    }

    private static Connection connect(int port) throws SQLException {
        return withNetworkTimeout(fixture.connect(port));
    }

    private static Connection connectDirect() throws SQLException {
        return withNetworkTimeout(fixture.connectDirect());
    }

    private static Connection withNetworkTimeout(Connection c) throws SQLException {
        c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
        return c;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static boolean queryBoolean(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getBoolean(1);
        }
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        return Long.parseLong(queryString(c, sql));
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }
}
