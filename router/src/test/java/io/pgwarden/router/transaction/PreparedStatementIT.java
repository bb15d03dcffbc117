package io.pgwarden.router.transaction;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.transaction.WireClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.pgwarden.router.transaction.TransactionPool.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Named prepared statements in transaction mode, where each transaction may land on another
 * server connection: pgjdbc with server-side statements from the first execution, and a raw
 * protocol client for what a driver does not let a test choose (names, Close then Parse of the
 * same name, a lone Describe). A server connection is made to go away with
 * pg_terminate_backend where a test needs the next transaction to land on a new one.
 */
class PreparedStatementIT {

    private static final int INT4 = 23;
    private static final int TEXT = 25;
    private static final int NUMERIC = 1700;
    private static final Map<String, String> SERVER_PREPARED = Map.of("prepareThreshold", "1");

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster() throws Exception {
        fixture = TransactionPool.start(2);
    }

    @AfterAll
    @Timeout(60)
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Timeout(90)
    void statementsPreparedOnceRunInLaterTransactionsOnOtherServers() throws Exception {
        int clients = 4;
        Queue<String> errors = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        List<Future<Set<Integer>>> servers = new ArrayList<>();
        // Every client keeps going until all have run on two servers: a client left alone would get
        // the most recently released connection every time, and never see a second one.
        CountDownLatch allOnTwoServers = new CountDownLatch(clients);
        try {
            for (int i = 0; i < clients; i++) {
                int client = i;
                servers.add(threads.submit(() -> runPreparedLoop(client, errors, allOnTwoServers)));
            }
            for (int i = 0; i < clients; i++) {
                Set<Integer> pids = servers.get(i).get(80, TimeUnit.SECONDS);
                assertThat(pids).as("servers client %d ran its statement on", i).hasSizeGreaterThanOrEqualTo(2);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(errors).isEmpty();
    }

    /**
     * Prepares once, then executes in transactions until every client has run on two servers (at
     * most 400 times); returns the pids of the servers this one ran on.
     */
    private static Set<Integer> runPreparedLoop(int client, Queue<String> errors, CountDownLatch allOnTwoServers)
            throws SQLException {
        Set<Integer> pids = new HashSet<>();
        try (Connection c = TransactionPool.connect(fixture, SERVER_PREPARED);
             PreparedStatement add = c.prepareStatement("select ?::int + ?::int, pg_backend_pid()");
             PreparedStatement pause = c.prepareStatement("select pg_sleep(0.002)")) {
            for (int i = 0; i < 400 && (i < 20 || allOnTwoServers.getCount() > 0); i++) {
                c.setAutoCommit(false);
                add.setInt(1, i);
                add.setInt(2, client * 1000);
                try (ResultSet rs = add.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != i + client * 1000) {
                        errors.add("client " + client + " iteration " + i + ": " + rs.getInt(1));
                    }
                    if (pids.add(rs.getInt(2)) && pids.size() == 2) {
                        allOnTwoServers.countDown();
                    }
                }
                if (i == 0) {
                    // prepareThreshold=1: a named statement from the first execution, under the router's name.
                    String named = queryString(c, "select count(*) from pg_prepared_statements where name like 'pgw\\_%'"
                            + " and statement = 'select $1::int + $2::int, pg_backend_pid()'");
                    if (named.equals("0")) {
                        errors.add("client " + client + ": no server-side statement named by the router");
                    }
                }
                pause.execute();
                c.commit();
            }
        }
        return pids;
    }

    @Test
    @Timeout(60)
    void pipelinedBatchesAreAnsweredWholeAndInOrder() throws Exception {
        // Each client writes all its Sync batches before reading a reply: the router must not give
        // the server away at a ReadyForQuery while later batches are already on their way.
        int clients = 4;
        int batches = 200;
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String client = "client " + i;
                results.add(threads.submit(() -> {
                    List<String> mismatches = new ArrayList<>();
                    try (WireClient w = wire()) {
                        w.parse("echo", "select $1::int, $2::text");
                        w.sync();
                        for (int batch = 0; batch < batches; batch++) {
                            w.bind("", "echo", String.valueOf(batch), client);
                            w.execute("");
                            w.sync();
                        }
                        assertThat(types(w.readUntilReady())).isEqualTo("1Z");
                        for (int batch = 0; batch < batches; batch++) {
                            List<Reply> replies = w.readUntilReady();
                            String got = types(replies) + " " + (replies.size() > 1 ? replies.get(1).columns() : "");
                            String expected = "2DCZ [" + batch + ", " + client + "]";
                            if (!got.equals(expected)) {
                                mismatches.add(expected + " <> " + got);
                            }
                        }
                    }
                    return mismatches;
                }));
            }
            for (Future<List<String>> result : results) {
                assertThat(result.get(50, TimeUnit.SECONDS)).isEmpty();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void namedStatementIsRecreatedForBindAndDescribeOnANewServer() throws Exception {
        try (WireClient w = wire()) {
            w.parse("times_ten", "select $1::int * 10 as product, pg_backend_pid() as pid");
            w.sync();
            assertThat(types(w.readUntilReady())).isEqualTo("1Z");

            List<Reply> first = execute(w, "times_ten", "4");
            assertThat(types(first)).isEqualTo("2DCZ");
            int firstPid = Integer.parseInt(first.get(1).columns().get(1));
            assertThat(first.get(1).columns().get(0)).isEqualTo("40");

            terminate(firstPid);
            // Inside an explicit transaction, on a server that never saw the Parse: no ParseComplete for the client.
            w.query("BEGIN");
            assertThat(types(w.readUntilReady())).isEqualTo("CZ");
            List<Reply> second = execute(w, "times_ten", "7");
            assertThat(types(second)).isEqualTo("2DCZ");
            assertThat(second.get(1).columns().get(0)).isEqualTo("70");
            int secondPid = Integer.parseInt(second.get(1).columns().get(1));
            assertThat(secondPid).isNotEqualTo(firstPid);
            w.query("COMMIT");
            assertThat(types(w.readUntilReady())).isEqualTo("CZ");

            terminate(secondPid);
            w.describeStatement("times_ten");
            w.sync();
            List<Reply> described = w.readUntilReady();
            assertThat(types(described)).isEqualTo("tTZ");
            assertThat(described.get(0).parameterTypes()).containsExactly(INT4);
            assertThat(described.get(1).fields()).containsExactly("product:" + INT4, "pid:" + INT4);

            // Describe, Bind and Execute pipelined behind a Flush, then the Sync.
            w.describeStatement("times_ten");
            w.bind("", "times_ten", "9");
            w.execute("");
            w.flushMessage();
            assertThat(types(w.read(4))).isEqualTo("tT2D");
            w.sync();
            assertThat(types(w.readUntilReady())).isEqualTo("CZ");
        }
    }

    @Test
    @Timeout(60)
    void closeThenParseOfTheSameNameUsesTheNewSql() throws Exception {
        try (WireClient w = wire()) {
            w.parse("reused", "select 1::int as one");
            w.bind("", "reused");
            w.execute("");
            w.sync();
            List<Reply> one = w.readUntilReady();
            assertThat(types(one)).isEqualTo("12DCZ");
            assertThat(one.get(2).columns()).containsExactly("1");

            w.closeStatement("reused");
            w.sync();
            assertThat(types(w.readUntilReady())).isEqualTo("3Z");

            w.parse("reused", "select 'two'::text as two, 2.5::numeric as half");
            w.bind("", "reused");
            w.describePortal("");
            w.execute("");
            w.sync();
            List<Reply> two = w.readUntilReady();
            assertThat(types(two)).isEqualTo("12TDCZ");
            assertThat(two.get(2).fields()).containsExactly("two:" + TEXT, "half:" + NUMERIC);
            assertThat(two.get(3).columns()).containsExactly("two", "2.5");

            // Close and Parse again in one pipeline.
            w.closeStatement("reused");
            w.parse("reused", "select 3::int as three");
            w.bind("", "reused");
            w.execute("");
            w.sync();
            List<Reply> three = w.readUntilReady();
            assertThat(types(three)).isEqualTo("312DCZ");
            assertThat(three.get(3).columns()).containsExactly("3");

            // On a server that never saw any of it, the name means the latest SQL.
            terminate(pidOf(w));
            List<Reply> again = execute(w, "reused");
            assertThat(types(again)).isEqualTo("2DCZ");
            assertThat(again.get(1).columns()).containsExactly("3");
        }
    }

    @Test
    @Timeout(60)
    void failedParseReportsTheSyntaxErrorAndCreatesNothing() throws Exception {
        try (WireClient w = wire()) {
            w.parse("broken", "selec 1");
            w.bind("", "broken");
            w.execute("");
            w.sync();
            List<Reply> failed = w.readUntilReady();
            assertThat(types(failed)).isEqualTo("EZ");
            assertThat(failed.get(0).sqlState()).isEqualTo("42601");
            assertThat(failed.get(0).errorMessage()).isEqualTo("syntax error at or near \"selec\"");
            assertThat(status(failed)).isEqualTo('I');

            // The statement does not exist, in PostgreSQL's words and the client's name, on this server ...
            assertDoesNotExist(w, "broken");
            // ... and on one that never saw the failed Parse.
            terminate(pidOf(w));
            assertDoesNotExist(w, "broken");

            // The name is free for a statement that parses.
            w.parse("broken", "select 42");
            w.bind("", "broken");
            w.execute("");
            w.sync();
            List<Reply> fixed = w.readUntilReady();
            assertThat(types(fixed)).isEqualTo("12DCZ");
            assertThat(fixed.get(2).columns()).containsExactly("42");

            // A failed Parse inside a transaction fails the transaction, which the client rolls back.
            w.query("BEGIN");
            assertThat(types(w.readUntilReady())).isEqualTo("CZ");
            w.parse("in_transaction", "select nope from nowhere");
            w.sync();
            List<Reply> inTransaction = w.readUntilReady();
            assertThat(types(inTransaction)).isEqualTo("EZ");
            assertThat(inTransaction.get(0).sqlState()).isEqualTo("42P01");
            assertThat(status(inTransaction)).isEqualTo('E');
            w.query("ROLLBACK");
            assertThat(types(w.readUntilReady())).isEqualTo("CZ");
            assertThat(types(execute(w, "broken"))).isEqualTo("2DCZ");
        }
        try (Connection c = TransactionPool.connect(fixture, SERVER_PREPARED);
             PreparedStatement bad = c.prepareStatement("selec ?");
             PreparedStatement good = c.prepareStatement("select ?::int + 1")) {
            bad.setInt(1, 1);
            assertThat(catchThrowableOfType(SQLException.class, bad::executeQuery).getSQLState()).isEqualTo("42601");
            assertThat(plusOne(good, 1)).isEqualTo(2);
            c.setAutoCommit(false);
            assertThat(plusOne(good, 2)).isEqualTo(3);
            assertThat(catchThrowableOfType(SQLException.class, bad::executeQuery).getSQLState()).isEqualTo("42601");
            c.rollback();
            assertThat(plusOne(good, 3)).isEqualTo(4);
            c.commit();
        }
    }

    @Test
    @Timeout(60)
    void parameterAndRowDescriptionsOfServerPreparedStatements() throws Exception {
        String sql = "select ?::int4 as n, ?::text as t, ?::numeric(10,2) as price, now() as ts, pg_backend_pid() as pid";
        List<String> expected = List.of("parameters int4/4, text/12, numeric/2",
                "columns n:int4, t:text, price:numeric, ts:timestamptz, pid:int4");
        List<String> directAfterExecution;
        try (Connection direct = TransactionPool.connectDirect(fixture)) {
            direct.unwrap(PGConnection.class).setPrepareThreshold(1);
            try (PreparedStatement ps = direct.prepareStatement(sql)) {
                assertThat(describe(ps)).isEqualTo(expected);
                executeDescribed(ps, 5, "five", "12.50");
                directAfterExecution = describe(ps);
            }
        }
        try (Connection c = TransactionPool.connect(fixture, SERVER_PREPARED)) {
            int firstPid;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                assertThat(describe(ps)).isEqualTo(expected);
                firstPid = executeDescribed(ps, 5, "five", "12.50");
            }
            terminate(firstPid);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                c.setAutoCommit(false);
                assertThat(executeDescribed(ps, 6, "six", "0.25")).isNotEqualTo(firstPid);
                // Once executed with a string parameter pgjdbc re-prepares with varchar: as it does directly.
                assertThat(describe(ps)).isEqualTo(directAfterExecution);
                c.commit();
            }
        }
    }

    /** The parameter types (name/java.sql.Types) and columns (name:type) the driver reports. */
    private static List<String> describe(PreparedStatement ps) throws SQLException {
        ParameterMetaData parameters = ps.getParameterMetaData();
        List<String> types = new ArrayList<>();
        for (int i = 1; i <= parameters.getParameterCount(); i++) {
            types.add(parameters.getParameterTypeName(i) + "/" + parameters.getParameterType(i));
        }
        ResultSetMetaData rows = ps.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= rows.getColumnCount(); i++) {
            columns.add(rows.getColumnName(i) + ":" + rows.getColumnTypeName(i));
        }
        return List.of("parameters " + String.join(", ", types), "columns " + String.join(", ", columns));
    }

    /** Runs the described statement; checks the values and returns the server's pid. */
    private static int executeDescribed(PreparedStatement ps, int n, String t, String price) throws SQLException {
        ps.setInt(1, n);
        ps.setString(2, t);
        ps.setBigDecimal(3, new BigDecimal(price));
        try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt("n")).isEqualTo(n);
            assertThat(rs.getString("t")).isEqualTo(t);
            assertThat(rs.getBigDecimal("price")).isEqualTo(new BigDecimal(price));
            assertThat(rs.getTimestamp("ts")).isNotNull();
            return rs.getInt("pid");
        }
    }

    private static int plusOne(PreparedStatement good, int value) throws SQLException {
        good.setInt(1, value);
        try (ResultSet rs = good.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void assertDoesNotExist(WireClient w, String statement) throws IOException {
        w.bind("", statement);
        w.execute("");
        w.sync();
        List<Reply> replies = w.readUntilReady();
        assertThat(types(replies)).isEqualTo("EZ");
        assertThat(replies.get(0).sqlState()).isEqualTo("26000");
        assertThat(replies.get(0).errorMessage()).isEqualTo("prepared statement \"" + statement + "\" does not exist");
    }

    private static WireClient wire() throws IOException {
        return WireClient.connect(fixture.primaryPort(), RouterFixture.USER, RouterFixture.PASSWORD, "postgres");
    }

    private static List<Reply> execute(WireClient w, String statement, String... parameters) throws IOException {
        w.bind("", statement, parameters);
        w.execute("");
        w.sync();
        return w.readUntilReady();
    }

    /** The pid of the server a lone simple query of this client ran on. */
    private static int pidOf(WireClient w) throws IOException {
        w.query("select pg_backend_pid()");
        List<Reply> replies = w.readUntilReady();
        assertThat(types(replies)).isEqualTo("TDCZ");
        return Integer.parseInt(replies.get(1).columns().get(0));
    }

    /**
     * Ends a server connection from PostgreSQL's side and waits until the router has noticed, so
     * the next transaction lands on another one.
     */
    private static void terminate(int pid) throws SQLException {
        int before = TransactionPool.serverConnections(fixture);
        try (Connection direct = TransactionPool.connectDirect(fixture)) {
            assertThat(queryString(direct, "select pg_terminate_backend(" + pid + ")")).isEqualTo("t");
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> TransactionPool.serverConnections(fixture) == before - 1);
    }

    private static String types(List<Reply> replies) {
        return replies.stream().map(r -> String.valueOf(r.type())).collect(Collectors.joining());
    }

    /** The transaction status of the closing ReadyForQuery. */
    private static char status(List<Reply> replies) {
        return (char) replies.get(replies.size() - 1).payload()[0];
    }
}
