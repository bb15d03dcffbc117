package io.pgwarden.router.patroni;

import io.pgwarden.local.Commands;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.local.PatroniNode;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.patroni.StatementLoop.Outcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgwarden.router.patroni.PatroniRouters.MAX_LAG;
import static io.pgwarden.router.patroni.PatroniRouters.connect;
import static io.pgwarden.router.patroni.PatroniRouters.inRecovery;
import static io.pgwarden.router.patroni.PatroniRouters.lagOf;
import static io.pgwarden.router.patroni.PatroniRouters.serverPort;
import static io.pgwarden.router.patroni.PatroniRouters.routesTo;
import static io.pgwarden.router.patroni.PatroniRouters.summary;
import static io.pgwarden.router.routing.ListenerRole.PRIMARY;
import static io.pgwarden.router.routing.ListenerRole.REPLICA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The router in front of a real Patroni 3.0.2 cluster, following it through etcd: a switchover
 * (session and transaction mode), a replica that falls behind, and etcd going silent. One cluster
 * for the class; each test starts from a steady cluster and leaves one behind, the etcd pause last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniRoutingIT {

    private static final Duration PAUSE = Duration.ofMillis(20);

    private PatroniRouters routers;
    private PatroniCluster cluster;

    @BeforeAll
    void start() throws Exception {
        routers = PatroniRouters.start();
        cluster = routers.cluster();
    }

    @AfterAll
    void stop() {
        if (routers != null) {
            routers.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void primaryPortFollowsASwitchoverAndSessionClientsOfTheOldLeaderAreCut() throws Exception {
        PatroniNode old = routers.settle();
        RouterServer session = routers.session();
        RouterServer transaction = routers.transaction();
        try (Connection first = connect(session, PRIMARY, Duration.ofSeconds(5))) {
            assertThat(inRecovery(first)).isFalse();
            assertThat(serverPort(first)).isEqualTo(old.pgPort());
        }
        try (Connection idle = connect(transaction, PRIMARY, Duration.ofSeconds(25));
             StatementLoop sessionClient = new StatementLoop("session-client",
                     () -> connect(session, PRIMARY, Duration.ofSeconds(5)), StatementLoop.SELECT, PAUSE, false,
                     Duration.ofSeconds(60)).start();
             Transitions key = new Transitions("etcd leader key", PAUSE, routers::leaderKey);
             Transitions view = new Transitions("session router", Duration.ofMillis(5), () -> summary(session))) {
            assertThat(serverPort(idle)).isEqualTo(old.pgPort());
            sessionClient.awaitAcksOn(old.pgPort(), 3, Duration.ofSeconds(10));

            long started = System.nanoTime();
            PatroniNode next = cluster.switchover(null);
            long switched = System.nanoTime();

            // The session client of the old leader is cut, and never ran a statement there after the key left it.
            await().atMost(Duration.ofSeconds(10)).until(() -> !sessionClient.isRunning());
            List<Outcome> outcomes = sessionClient.outcomes();
            Outcome end = outcomes.get(outcomes.size() - 1);
            assertThat(end.ok()).as("the session client's last statement").isFalse();
            assertThat(end.sqlState()).as(end.error()).isIn("57P01", "08006", "08003");
            long keyLeftOld = key.firstSeen(v -> !v.equals(old.name())).orElseThrow();
            assertThat(sessionClient.acks()).allSatisfy(ack -> {
                assertThat(ack.port()).isEqualTo(old.pgPort());
                assertThat(ack.endNanos() - keyLeftOld).as("acknowledged before the key left " + old.name()).isNegative();
            });

            // New connections, and the next transaction of the idle transaction-mode client, reach the new leader.
            long connecting = System.nanoTime();
            try (Connection fresh = connect(session, PRIMARY, Duration.ofSeconds(25))) {
                assertThat(serverPort(fresh)).isEqualTo(next.pgPort());
                assertThat(inRecovery(fresh)).isFalse();
            }
            long connected = System.nanoTime();
            assertThat(serverPort(idle)).isEqualTo(next.pgPort());
            try (Connection fresh = connect(transaction, PRIMARY, Duration.ofSeconds(25))) {
                assertThat(serverPort(fresh)).isEqualTo(next.pgPort());
            }

            long keyOnNext = key.firstSeen(next.name()::equals).orElseThrow();
            long routerOnNext = view.firstSeen(v -> routesTo(v, next.name())).orElseThrow();
            System.out.printf("switchover %s -> %s (ms after patronictl started): switchover() returned %d, key left %s %d,"
                            + " key on %s %d, session router sends new work to %s %d; session client cut %d (%s);"
                            + " first new connection after the switchover took %d ms%n%s%n%s%n",
                    old.name(), next.name(), ms(switched - started), old.name(), ms(keyLeftOld - started),
                    next.name(), ms(keyOnNext - started), next.name(), ms(routerOnNext - started),
                    ms(end.endNanos() - started), end.error(), ms(connected - connecting),
                    key.describe(started), view.describe(started));
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void transactionModeClientRidesThroughASwitchoverWithoutAFailedTransaction() throws Exception {
        PatroniNode old = routers.settle();
        RouterServer transaction = routers.transaction();
        try (StatementLoop writes = new StatementLoop("tx-writes",
                     () -> connect(transaction, PRIMARY, Duration.ofSeconds(25)), StatementLoop.INSERT, PAUSE, true,
                     Duration.ofSeconds(60)).start();
             Transitions key = new Transitions("etcd leader key", PAUSE, routers::leaderKey);
             Transitions view = new Transitions("tx router", Duration.ofMillis(5), () -> summary(transaction))) {
            writes.awaitAcksOn(old.pgPort(), 20, Duration.ofSeconds(10));

            long started = System.nanoTime();
            PatroniNode next = cluster.switchover(null);
            writes.awaitAcksOn(next.pgPort(), 50, Duration.ofSeconds(20));
            writes.stop();

            List<Outcome> acks = writes.acks();
            long firstOnNext = acks.stream().filter(a -> a.port() == next.pgPort()).mapToLong(Outcome::startNanos)
                    .min().orElseThrow();
            long gap = 0;
            long gapEnd = started;
            for (int i = 1; i < acks.size(); i++) {
                long g = acks.get(i).endNanos() - acks.get(i - 1).endNanos();
                if (g > gap) {
                    gap = g;
                    gapEnd = acks.get(i).endNanos();
                }
            }
            Outcome slowest = acks.stream().max(Comparator.comparingLong(Outcome::millis)).orElseThrow();
            System.out.printf("transaction mode through switchover %s -> %s: %d transactions, %d failed, %d on %s,"
                            + " %d on %s; longest gap between commits %d ms (ending %d ms after patronictl started),"
                            + " slowest transaction %d ms (held)%n%s%n%s%n",
                    old.name(), next.name(), writes.outcomes().size(), writes.failures().size(),
                    writes.acksOn(old.pgPort()), old.name(), writes.acksOn(next.pgPort()), next.name(),
                    ms(gap), ms(gapEnd - started), slowest.millis(), key.describe(started), view.describe(started));

            assertThat(writes.failures()).as("failed transactions").isEmpty();
            assertThat(acks).extracting(Outcome::port).containsOnly(old.pgPort(), next.pgPort());
            assertThat(acks).filteredOn(a -> a.port() == old.pgPort())
                    .allSatisfy(a -> assertThat(a.endNanos() - firstOnNext).isNotPositive());
        }
    }

    /**
     * The replica is made to fall behind by freezing its WAL receiver (SIGSTOP), not by pausing replay:
     * Patroni 3.0.2 resumes a paused replay in every HA loop of a PostgreSQL 14+ replica
     * ({@code handle_parameter_change}), and it publishes a replica's position as the larger of received
     * and replayed, so a replay pause never shows as lag in etcd. A receiver that stops receiving does.
     */
    @Test
    @Order(3)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aReplicaLaggingPastMaxLagGetsNoNewReads() throws Exception {
        PatroniNode leader = routers.settle();
        RouterServer session = routers.session();
        RouterServer transaction = routers.transaction();
        List<PatroniNode> replicas = cluster.nodes().stream().filter(n -> n != leader).toList();
        PatroniNode lagging = replicas.get(0);
        PatroniNode healthy = replicas.get(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> readable(session, lagging) && readable(session, healthy)
                && readable(transaction, lagging) && readable(transaction, healthy));

        List<Connection> readers = new ArrayList<>();
        try {
            // A session-mode reader on the replica about to fall behind (round robin: one of two lands there).
            Connection onLagging = null;
            for (int i = 0; i < 4 && onLagging == null; i++) {
                Connection reader = connect(session, REPLICA, Duration.ofSeconds(5));
                readers.add(reader);
                onLagging = serverPort(reader) == lagging.pgPort() ? reader : null;
            }
            assertThat(onLagging).as("a replica-port connection on " + lagging.name()).isNotNull();

            long receiver = walReceiverPid(lagging);
            Commands.signal(receiver, "STOP");
            long stalled = System.nanoTime();
            try {
                fillWal(leader);
                long filled = System.nanoTime();
                // Patroni publishes WAL positions at each loop_wait (2 s).
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() ->
                        lagOf(session, lagging) > MAX_LAG && lagOf(transaction, lagging) > MAX_LAG
                                && readable(session, healthy) && readable(transaction, healthy));
                System.out.printf("%s behind by %d bytes as the routers see it, %d ms after %s's WAL receiver stopped"
                                + " (%d ms after the WAL was written)%n", lagging.name(), lagOf(session, lagging),
                        ms(System.nanoTime() - stalled), lagging.name(), ms(System.nanoTime() - filled));

                Connection cut = onLagging;
                assertThatThrownBy(() -> serverPort(cut))
                        .as("the session-mode reader on " + lagging.name())
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("57P01", "08006", "08003"));
                for (RouterServer router : List.of(session, transaction)) {
                    for (int i = 0; i < 6; i++) {
                        try (Connection reader = connect(router, REPLICA, Duration.ofSeconds(5))) {
                            assertThat(serverPort(reader)).as("replica-port connection %d", i).isEqualTo(healthy.pgPort());
                            assertThat(inRecovery(reader)).isTrue();
                        }
                    }
                }
            } finally {
                Commands.signal(receiver, "CONT");
            }
        } finally {
            readers.forEach(PatroniRoutingIT::closeQuietly);
            try (Connection c = cluster.waitForLeader(PatroniRouters.SETTLE).connect("postgres");
                 Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS lag_fill");
            }
        }
        // Caught up again: it gets reads again.
        long resumed = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> readable(session, lagging) && readable(transaction, lagging));
        System.out.printf("%s readable again %d ms after its WAL receiver went on%n", lagging.name(),
                ms(System.nanoTime() - resumed));
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void etcdSilentPastIsolationTimeoutHoldsPrimaryWorkWhileReplicasKeepServing() throws Exception {
        PatroniNode leader = routers.settle();
        RouterServer session = routers.session();
        RouterServer transaction = routers.transaction();
        Duration pause = PatroniRouters.ISOLATION_TIMEOUT.plusSeconds(3);
        try (Connection idle = connect(transaction, PRIMARY, Duration.ofSeconds(25));
             Transitions view = new Transitions("tx router", Duration.ofMillis(5), () -> summary(transaction))) {
            assertThat(serverPort(idle)).isEqualTo(leader.pgPort());

            cluster.etcd().pause();
            long paused = System.nanoTime();
            CompletableFuture<Attempt> newConnection;
            CompletableFuture<Attempt> nextTransaction;
            long resumed;
            try {
                await().atMost(pause).pollInterval(Duration.ofMillis(20)).until(() ->
                        !session.topology().dcsReachable() && !transaction.topology().dcsReachable());
                long isolated = System.nanoTime();
                newConnection = CompletableFuture.supplyAsync(() -> Attempt.of(() -> {
                    try (Connection c = connect(session, PRIMARY, Duration.ofSeconds(25))) {
                        return insert(c);
                    }
                }));
                nextTransaction = CompletableFuture.supplyAsync(() -> Attempt.of(() -> insert(idle)));

                // Reads go on from the replicas, on their last known lag.
                for (RouterServer router : List.of(session, transaction)) {
                    try (Connection reader = connect(router, REPLICA, Duration.ofSeconds(5))) {
                        assertThat(inRecovery(reader)).isTrue();
                        assertThat(serverPort(reader)).isNotEqualTo(leader.pgPort());
                    }
                }
                System.out.printf("etcd paused: routers isolated after %d ms; replica reads served%n",
                        ms(isolated - paused));
                Thread.sleep(Math.max(0, ms(pause.toNanos() - (System.nanoTime() - paused))));
                assertNotSucceeded(newConnection, "a new primary-port connection while etcd is unreachable");
                assertNotSucceeded(nextTransaction, "the next transaction of an idle client while etcd is unreachable");
            } finally {
                cluster.etcd().resume();
                resumed = System.nanoTime();
            }

            // Held work is released to the leader once it is writable again. Patroni 3.0.2 demotes a leader that
            // loses etcd, and its member key still says primary for a moment after the resume: the router
            // checks in_hot_standby and keeps holding until the node is promoted again.
            Attempt held = newConnection.get(30, TimeUnit.SECONDS);
            Attempt heldTx = nextTransaction.get(30, TimeUnit.SECONDS);
            for (Attempt attempt : List.of(held, heldTx)) {
                assertThat(attempt.ok() && attempt.endNanos() - resumed < 0).as("succeeded while etcd was paused").isFalse();
            }
            // Writes work again: a client that retries from the moment etcd is back gets through.
            PatroniNode after;
            try (StatementLoop writes = new StatementLoop("after-resume",
                    () -> connect(transaction, PRIMARY, Duration.ofSeconds(25)), StatementLoop.INSERT,
                    Duration.ofMillis(100), true, Duration.ofSeconds(40)).start()) {
                await().atMost(Duration.ofSeconds(40)).until(() -> !writes.acks().isEmpty());
                after = cluster.waitForLeader(PatroniRouters.SETTLE);
                writes.awaitAcksOn(after.pgPort(), 3, Duration.ofSeconds(20));
                writes.stop();
                assertThat(writes.acks()).extracting(Outcome::port).containsOnly(after.pgPort());
                for (Attempt attempt : List.of(held, heldTx)) {
                    assertThat(attempt.ok()).as("held work succeeds once etcd is back: " + attempt.describe(resumed)).isTrue();
                    assertThat(attempt.port()).as("a held write released after etcd came back").isEqualTo(after.pgPort());
                }
                Outcome first = writes.acks().get(0);
                System.out.printf("etcd resumed after %d ms; held new connection: %s; held transaction: %s; a client"
                                + " retrying from then on wrote on %s %d ms after the resume, after %d failures %s%n%s%n"
                                + "%s's Patroni meanwhile:%n%s%n",
                        ms(resumed - paused), held.describe(resumed), heldTx.describe(resumed), after.name(),
                        ms(first.endNanos() - resumed), writes.failures().size(),
                        writes.failures().stream().map(Outcome::sqlState).distinct().toList(),
                        view.describe(paused), leader.name(), haEvents(leader));
            }
        } finally {
            if (cluster.etcd().isPaused()) {
                cluster.etcd().resume();
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** One piece of work through the router: the server's port, or the error, and when it ended. */
    private record Attempt(long endNanos, int port, String error, String sqlState) {

        interface Work {
            int run() throws SQLException;
        }

        static Attempt of(Work work) {
            try {
                int port = work.run();
                return new Attempt(System.nanoTime(), port, null, null);
            } catch (SQLException | RuntimeException e) {
                return new Attempt(System.nanoTime(), 0, PatroniRouters.describe(e), PatroniRouters.sqlState(e));
            }
        }

        boolean ok() {
            return error == null;
        }

        String describe(long originNanos) {
            return (ok() ? "reached port " + port : "failed: " + error) + " " + ms(endNanos - originNanos)
                    + " ms after etcd resumed";
        }
    }

    /** What the agent logged about demoting, promoting and etcd: its side of the story. */
    private static String haEvents(PatroniNode node) throws IOException {
        List<String> lines = new String(Files.readAllBytes(node.logFile()), StandardCharsets.UTF_8).lines()
                .filter(l -> l.matches("(?i).*(demot|promot|not accessible|session lock|leader lock).*")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

    private static void assertNotSucceeded(CompletableFuture<Attempt> attempt, String what) {
        if (attempt.isDone()) {
            Attempt done = attempt.join();
            assertThat(done.ok()).as(what + " must not succeed").isFalse();
            assertThat(done.sqlState()).as(what + ": " + done.error()).isEqualTo("57P03");
        }
    }

    private static int insert(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(StatementLoop.INSERT)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean readable(RouterServer router, PatroniNode replica) {
        long lag = lagOf(router, replica);
        return lag >= 0 && lag <= MAX_LAG
                && router.topology().replicas().stream().anyMatch(m -> m.name().equals(replica.name()));
    }

    private static long walReceiverPid(PatroniNode replica) throws SQLException {
        try (Connection c = replica.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_wal_receiver")) {
            assertThat(rs.next()).as("a WAL receiver on " + replica.name()).isTrue();
            return rs.getLong(1);
        }
    }

    /** About 5 MB of WAL on the leader. */
    private static void fillWal(PatroniNode leader) throws SQLException {
        try (Connection c = leader.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE lag_fill AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g");
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // already cut
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
