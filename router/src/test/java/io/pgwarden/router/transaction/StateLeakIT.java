package io.pgwarden.router.transaction;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.pinning.PinReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.pgwarden.router.transaction.TransactionPool.backendPid;
import static io.pgwarden.router.transaction.TransactionPool.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that share server connections never see each other's settings: neither those from the
 * startup packet that the router re-applies wherever a client lands, nor reported settings a
 * client SETs (carried with it, not pinned), nor transaction-scoped ones, nor a pinned client's
 * SETs once it has left. Two server connections for everyone.
 */
class StateLeakIT {

    private static final int ITERATIONS = 30;
    private static final String SETTINGS = "select current_setting('application_name'), current_setting('search_path'),"
            + " current_setting('statement_timeout'), current_setting('IntervalStyle'),"
            + " current_setting('default_transaction_read_only'), pg_backend_pid()";
    private static final String JDBC_APPLICATION_NAME = "PostgreSQL JDBC Driver";

    private static RouterFixture fixture;
    private static String defaultPath;

    /** What one client expects SHOW to say, every time. */
    private record Expected(String applicationName, String searchPath, String statementTimeout, String intervalStyle,
                            String readOnly) {
        String render() {
            return applicationName + " | " + searchPath + " | " + statementTimeout + " | " + intervalStyle + " | " + readOnly;
        }
    }

    /**
     * One client of the shared-servers test: its driver properties, the SETs of reported settings
     * it runs after login (carried from server to server, not pinned), what it must always see,
     * and whether it changes settings inside its transactions.
     */
    private record Client(String name, Map<String, String> properties, List<String> carriedSets, Expected expected,
                          boolean changesInTransactions) {
    }

    @BeforeAll
    @Timeout(120)
    static void startCluster() throws Exception {
        fixture = TransactionPool.start(2);
        try (Connection c = TransactionPool.connectDirect(fixture)) {
            defaultPath = TransactionPool.queryString(c, "show search_path");
            execute(c, "create table leak_writes (client text, iteration int)");
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
    @Timeout(90)
    void startupCarriedAndTransactionScopedSettingsStayWithTheirClient() throws Exception {
        List<Client> clients = List.of(
                // application_name in the startup packet (assumeMinServerVersion), search_path and
                // statement_timeout in options, and transaction-scoped changes inside its transactions.
                new Client("alpha", Map.of("ApplicationName", "alpha", "assumeMinServerVersion", "9.0",
                        "options", "-c search_path=alpha_path -c statement_timeout=11s"), List.of(),
                        new Expected("alpha", "alpha_path", "11s", "postgres", "off"), true),
                // application_name through pgjdbc's own SET after login, search_path via currentSchema.
                new Client("bravo", Map.of("ApplicationName", "bravo", "currentSchema", "bravo_path"), List.of(),
                        new Expected("bravo", "bravo_path", "0", "postgres", "off"), false),
                // Whatever pgjdbc sends by default.
                new Client("charlie", Map.of(), List.of(),
                        new Expected(JDBC_APPLICATION_NAME, defaultPath, "0", "postgres", "off"), false),
                // SETs of reported settings, read-only among them: its writes fail with 25006, nobody else's.
                new Client("delta", Map.of(), List.of("SET default_transaction_read_only = on", "SET IntervalStyle = 'sql_standard'"),
                        new Expected(JDBC_APPLICATION_NAME, defaultPath, "0", "sql_standard", "on"), false));

        Queue<String> errors = new ConcurrentLinkedQueue<>();
        Map<String, Set<Integer>> servers = new ConcurrentHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(clients.size());
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Client client : clients) {
                Set<Integer> pids = ConcurrentHashMap.newKeySet();
                servers.put(client.name(), pids);
                running.add(threads.submit(() -> run(client, pids, errors)));
            }
            for (Future<?> client : running) {
                client.get(80, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(errors).isEmpty();
        // Four clients over two server connections: some connection served more than one of them.
        Map<Integer, Long> clientsPerServer = servers.values().stream().flatMap(Set::stream)
                .collect(Collectors.groupingBy(pid -> pid, Collectors.counting()));
        assertThat(clientsPerServer.values()).as("clients per server, servers per client %s", servers).anyMatch(n -> n > 1);
        assertThat(TransactionPool.serverConnections(fixture)).isLessThanOrEqualTo(2);
        for (PinReason reason : PinReason.values()) {
            assertThat(fixture.router().metrics().pinnedClients(reason)).as("pinned for %s", reason.tag()).isZero();
        }
        try (Connection c = TransactionPool.connect(fixture)) {
            assertThat(TransactionPool.queryString(c, "select string_agg(distinct client, ',' order by client) from leak_writes"))
                    .isEqualTo("alpha,bravo,charlie");
        }
    }

    /** One client's loop: its own settings every time, transaction-scoped changes gone after the transaction. */
    private static void run(Client client, Set<Integer> pids, Queue<String> errors) {
        String name = client.name();
        Expected expected = client.expected();
        try (Connection c = TransactionPool.connect(fixture, client.properties())) {
            for (String sql : client.carriedSets()) {
                execute(c, sql);
            }
            for (int i = 0; i < ITERATIONS; i++) {
                check(errors, name + " " + i + " autocommit", expected.render(), settings(c, pids));
                check(errors, name + " " + i + " write", expected.readOnly().equals("on") ? "25006" : "ok", write(c, name, i));
                c.setAutoCommit(false);
                if (client.changesInTransactions()) {
                    execute(c, "SET LOCAL search_path TO local_path");
                    execute(c, "SET LOCAL statement_timeout = '7s'");
                    execute(c, "SET LOCAL IntervalStyle = 'iso_8601'");
                    execute(c, "SET LOCAL default_transaction_read_only = on");
                    execute(c, "select set_config('application_name', 'alpha local', true)");
                    check(errors, name + " " + i + " inside its transaction", "alpha local | local_path | 7s | iso_8601 | on",
                            settings(c, pids));
                } else {
                    check(errors, name + " " + i + " in a transaction", expected.render(), settings(c, pids));
                }
                if (i % 3 == 2) {
                    c.rollback();
                } else {
                    c.commit();
                }
                c.setAutoCommit(true);
                check(errors, name + " " + i + " reported application_name", expected.applicationName(),
                        c.unwrap(PGConnection.class).getParameterStatus("application_name"));
            }
        } catch (SQLException | RuntimeException e) {
            errors.add(name + ": " + e);
        }
    }

    /** "ok", or the SQLSTATE the insert failed with. */
    private static String write(Connection c, String client, int iteration) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into public.leak_writes values (?, ?)")) {
            insert.setString(1, client);
            insert.setInt(2, iteration);
            insert.executeUpdate();
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    @Timeout(60)
    void aPinnedClientsSetsNeverReachAnotherClient() throws Exception {
        Expected plain = new Expected(JDBC_APPLICATION_NAME, defaultPath, "0", "postgres", "off");
        int pinnedPid;
        try (Connection pinned = TransactionPool.connect(fixture); Connection other = TransactionPool.connect(fixture)) {
            execute(pinned, "SET search_path TO leaky_path");
            execute(pinned, "SET statement_timeout = '99s'");
            execute(pinned, "SET application_name = 'leaky'");
            execute(pinned, "SET IntervalStyle = 'sql_standard'");
            execute(pinned, "SET default_transaction_read_only = on");
            pinnedPid = backendPid(pinned);
            assertThat(fixture.router().metrics().pinnedClients(PinReason.SET)).isEqualTo(1);
            List<Integer> otherPids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                assertThat(settings(other, otherPids)).isEqualTo(plain.render());
                assertThat(settings(pinned, new ArrayList<>())).isEqualTo("leaky | leaky_path | 99s | sql_standard | on");
            }
            assertThat(otherPids).doesNotContain(pinnedPid);
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> fixture.router().metrics().pinnedClients(PinReason.SET) == 0);

        // Two clients inside transactions hold both connections of the pool, so one of them has
        // the connection the pinned client used, once it has been reset.
        try (Connection first = TransactionPool.connect(fixture); Connection second = TransactionPool.connect(fixture)) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            List<Integer> pids = new ArrayList<>();
            assertThat(settings(first, pids)).isEqualTo(plain.render());
            assertThat(settings(second, pids)).isEqualTo(plain.render());
            assertThat(pids).as("servers of the two clients").contains(pinnedPid).doesNotHaveDuplicates();
            first.rollback();
            second.rollback();
        }
    }

    private static String settings(Connection c, Collection<Integer> pids) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SETTINGS)) {
            rs.next();
            pids.add(rs.getInt(6));
            return rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3) + " | " + rs.getString(4)
                    + " | " + rs.getString(5);
        }
    }

    private static void check(Queue<String> errors, String what, String expected, String actual) {
        if (!Objects.equals(expected, actual)) {
            errors.add(what + ": expected [" + expected + "], got [" + actual + "]");
        }
    }
}
