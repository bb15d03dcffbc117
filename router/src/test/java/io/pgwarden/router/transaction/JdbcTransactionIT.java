package io.pgwarden.router.transaction;

import io.pgwarden.router.RouterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pgjdbc with server-prepared statements from the first execution: 50 clients, each with its own
 * named statements, share 4 server connections; every statement must be re-created wherever
 * its client lands and every result must be its own.
 */
class JdbcTransactionIT {

    private static final int POOL_SIZE = 4;
    private static final int CLIENTS = 50;
    private static final int ITERATIONS = 40;
    /** The server-side sampler's own backend is left out of the count. */
    private static final String ROUTER_BACKENDS = "select count(*) from pg_stat_activity"
            + " where backend_type = 'client backend' and pid <> pg_backend_pid()";

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster() throws Exception {
        fixture = TransactionPool.start(POOL_SIZE);
        try (Connection c = TransactionPool.connect(fixture)) {
            TransactionPool.execute(c, "create table jdbc_rows (client int, iteration int, payload text not null,"
                    + " primary key (client, iteration))");
        }
    }

    @AfterAll
    @Timeout(60)
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Timeout(120)
    void fiftyClientsWithServerPreparedStatementsShareFourConnections() throws Exception {
        Queue<String> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch allConnected = new CountDownLatch(CLIENTS);
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        try (Connection direct = TransactionPool.connectDirect(fixture);
             PeakSampler backends = new PeakSampler(() -> (int) TransactionPool.queryLong(direct, ROUTER_BACKENDS), 20);
             PeakSampler servers = new PeakSampler(() -> TransactionPool.serverConnections(fixture), 5)) {
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int client = i;
                clients.add(threads.submit(() -> runClient(client, allConnected, errors)));
            }
            for (Future<?> f : clients) {
                f.get(100, TimeUnit.SECONDS);
            }
            assertThat(errors).as("errors and wrong results").isEmpty();
            assertThat(backends.samples()).as("samples of pg_stat_activity").isPositive();
            assertThat(backends.peak()).as("router backends in pg_stat_activity at any sample").isBetween(1, POOL_SIZE);
            assertThat(servers.peak()).as("server connections in the router's pools at any sample").isBetween(1, POOL_SIZE);
        } finally {
            threads.shutdownNow();
        }
        try (Connection c = TransactionPool.connect(fixture)) {
            // Rolled-back inserts (every fifth iteration) left nothing behind; the others are all there.
            long committed = (long) CLIENTS * (ITERATIONS - ITERATIONS / 5);
            assertThat(TransactionPool.queryLong(c, "select count(*) from jdbc_rows")).isEqualTo(committed);
            assertThat(TransactionPool.queryLong(c, "select count(*) from jdbc_rows where iteration % 5 = 4")).isZero();
        }
    }

    private static void runClient(int client, CountDownLatch allConnected, Queue<String> errors) {
        try (Connection c = TransactionPool.connect(fixture, Map.of("prepareThreshold", "1"))) {
            allConnected.countDown();
            // Everyone logged in before anyone runs: all 50 are clients of the router at once.
            if (!allConnected.await(60, TimeUnit.SECONDS)) {
                errors.add("client " + client + ": not all clients connected within 60 s");
                return;
            }
            try (PreparedStatement echo = c.prepareStatement("select ?::int * 2, ?::text");
                 PreparedStatement insert = c.prepareStatement("insert into jdbc_rows values (?, ?, ?)");
                 PreparedStatement select = c.prepareStatement("select payload from jdbc_rows where client = ? and iteration = ?")) {
                for (int i = 0; i < ITERATIONS; i++) {
                    String payload = "client " + client + " iteration " + i;
                    // Outside a transaction: each execution is one pool round trip.
                    check(errors, client, i, "echo", echo(echo, client * 1000 + i, payload), (client * 1000 + i) * 2 + "|" + payload);

                    c.setAutoCommit(false);
                    insert.setInt(1, client);
                    insert.setInt(2, i);
                    insert.setString(3, payload);
                    check(errors, client, i, "insert", String.valueOf(insert.executeUpdate()), "1");
                    check(errors, client, i, "select in transaction", select(select, client, i), payload);
                    check(errors, client, i, "echo in transaction", echo(echo, -i, payload), (-i * 2) + "|" + payload);
                    if (i % 5 == 4) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                    c.setAutoCommit(true);
                    check(errors, client, i, "select after the transaction", select(select, client, i), i % 5 == 4 ? null : payload);
                }
            }
        } catch (SQLException | InterruptedException | RuntimeException e) {
            errors.add("client " + client + ": " + e);
        }
    }

    private static String echo(PreparedStatement echo, int number, String text) throws SQLException {
        echo.setInt(1, number);
        echo.setString(2, text);
        try (ResultSet rs = echo.executeQuery()) {
            String row = rs.next() ? rs.getInt(1) + "|" + rs.getString(2) : "no row";
            return rs.next() ? "more than one row" : row;
        }
    }

    private static String select(PreparedStatement select, int client, int iteration) throws SQLException {
        select.setInt(1, client);
        select.setInt(2, iteration);
        try (ResultSet rs = select.executeQuery()) {
            String row = rs.next() ? rs.getString(1) : null;
            return rs.next() ? "more than one row" : row;
        }
    }

    private static void check(Queue<String> errors, int client, int iteration, String what, String actual, String expected) {
        if (!Objects.equals(actual, expected)) {
            errors.add("client " + client + " iteration " + iteration + " " + what + ": expected " + expected + ", got " + actual);
        }
    }
}
