package io.pgwarden.router.fencing;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.DataSize;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The router's fencing rules against real PostgreSQL nodes, with the topology published by hand
 * (the etcd/Patroni path has its own tests): who gets cut when the leader changes, who is held
 * while there is none, and which nodes stop getting reads. Two routers — session and
 * transaction mode — follow the same source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FencingIT {

    private PostgresCluster cluster;
    private ManualTopologySource topology;
    private RouterServer sessionRouter;
    private RouterServer transactionRouter;
    private PostgresNode pg0;
    private PostgresNode pg1;
    private PostgresNode standby;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(2));
        pg0 = cluster.primary();
        pg1 = cluster.replicas().get(0);
        standby = cluster.replicas().get(1);
        // pg0 and pg1 are both writable, so the leader can be flipped between them by hand; the
        // router, not PostgreSQL, is under test. `standby` stays in recovery.
        pg1.promote();
        Path userList = cluster.tempDir().resolve("userlist.txt");
        Files.writeString(userList, "\"postgres\" \"postgres\"\n");
        topology = new ManualTopologySource(leaderIs(pg0, 1, 1));
        sessionRouter = RouterServer.start(config(userList, "session"), topology);
        transactionRouter = RouterServer.start(config(userList, "transaction"), topology);
    }

    private RouterConfig config(Path userList, String mode) {
        RouterConfig base = RouterFixture.baseConfig(cluster, userList);
        return new RouterConfig(base.listen(), base.topology(), base.auth(),
                new RouterConfig.Pool(mode, 0, 10, null, null, Duration.ofSeconds(10), null),
                base.limits(),
                new RouterConfig.Routing(false, new DataSize(1024 * 1024), false, Duration.ofSeconds(3)),
                base.server());
    }

    @BeforeEach
    void leaderIsPg0() {
        topology.publish(leaderIs(pg0, 1, 1));
    }

    @AfterEach
    void restore() {
        topology.publish(leaderIs(pg0, 1, 1));
    }

    @AfterAll
    void stop() {
        if (transactionRouter != null) {
            transactionRouter.close();
        }
        if (sessionRouter != null) {
            sessionRouter.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aKeyHolderThatIsStillInRecoveryGetsNoWritesAndNewWorkIsHeldThenRefused() throws Exception {
        topology.publish(new Topology("test", Optional.of(standby.name()),
                List.of(member(pg0, Role.REPLICA, 1), member(standby, Role.PRIMARY, 1)), false, false, true));
        long start = System.nanoTime();
        assertThatThrownBy(() -> connect(transactionRouter, ListenerRole.PRIMARY).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("still read-only")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57P03"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void leaderChangeCutsSessionClientsOfTheOldLeaderAtOnce() throws Exception {
        try (Connection client = connect(sessionRouter, ListenerRole.PRIMARY);
             Connection direct = pg0.connect("postgres")) {
            assertThat(serverPort(client)).isEqualTo(pg0.port());
            assertThat(routerBackendsOn(direct)).isEqualTo(1);

            long published = System.nanoTime();
            topology.publish(leaderIs(pg1, 1, 1));
            // The old leader loses the router's connection promptly: measured, then bounded.
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
                    .until(() -> routerBackendsOn(direct) == 0);
            long fencedMillis = (System.nanoTime() - published) / 1_000_000;
            System.out.println("old leader's server connection closed " + fencedMillis + " ms after the topology change");
            assertThat(fencedMillis).isLessThan(500);

            assertThatThrownBy(() -> serverPort(client))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("57P01", "08006", "08003"));
        }
        try (Connection fresh = connect(sessionRouter, ListenerRole.PRIMARY)) {
            assertThat(serverPort(fresh)).isEqualTo(pg1.port());
        }
        assertThat(sessionRouter.metrics().fencedClients()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void transactionModeIdleClientIsNotCutAndItsNextTransactionGoesToTheNewLeader() throws Exception {
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY)) {
            assertThat(serverPort(client)).isEqualTo(pg0.port());
            topology.publish(leaderIs(pg1, 1, 1));
            assertThat(serverPort(client)).isEqualTo(pg1.port());
        }
    }

    @Test
    void transactionModeClientInsideATransactionOnTheOldLeaderIsCut() throws Exception {
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY)) {
            client.setAutoCommit(false);
            assertThat(serverPort(client)).isEqualTo(pg0.port());
            topology.publish(leaderIs(pg1, 1, 1));
            assertThatThrownBy(() -> serverPort(client))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("57P01", "08006", "08003"));
        }
    }

    @Test
    void withoutALeaderNewTransactionsAreHeldAndReleasedToTheNextLeader() throws Exception {
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY)) {
            topology.publish(noLeader(true));
            long start = System.nanoTime();
            CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return serverPort(client);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            assertThat(held).isNotDone();
            topology.publish(leaderIs(pg1, 1, 1));
            assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo(pg1.port());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void aPendingSwitchoverHoldsNewWorkButLetsTheTransactionUnderWayFinish() throws Exception {
        try (Connection inFlight = connect(transactionRouter, ListenerRole.PRIMARY);
             Connection later = connect(transactionRouter, ListenerRole.PRIMARY)) {
            inFlight.setAutoCommit(false);
            assertThat(serverPort(inFlight)).isEqualTo(pg0.port());
            topology.publish(new Topology("test", Optional.of(pg0.name()), members(pg0, 1, 1), false, true, true));

            assertThat(serverPort(inFlight)).as("the open transaction goes on on the key holder").isEqualTo(pg0.port());
            inFlight.commit();
            CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return serverPort(later);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(held).as("new work waits for the switchover").isNotDone();
            topology.publish(leaderIs(pg1, 1, 1));
            assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo(pg1.port());
        }
    }

    @Test
    void aCancelOfAStatementHeldWithoutALeaderFailsItWith57014AndItNeverRuns() throws Exception {
        createTable("held_cancel");
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY);
             Statement st = client.createStatement()) {
            topology.publish(noLeader(true));
            st.setQueryTimeout(1); // pgjdbc sends a CancelRequest after 1 s, to the router
            long start = System.nanoTime();
            assertThatThrownBy(() -> st.executeUpdate("insert into held_cancel values (1)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"))
                    .hasMessageContaining("canceling statement due to user request");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("failed by the cancel, not by connect_wait_timeout (3 s)")
                    .isBetween(Duration.ofMillis(900), Duration.ofMillis(2500));

            // The next statement, sent while there is still no leader, waits for the next one.
            CompletableFuture<Integer> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return serverPort(client);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(next).isNotDone();
            topology.publish(leaderIs(pg1, 1, 1));
            assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo(pg1.port());
            st.setQueryTimeout(0);
            assertThat(serverPort(client)).isEqualTo(pg1.port());
        }
        assertThat(rows(pg0, "held_cancel")).as("the cancelled insert on pg0").isZero();
        assertThat(rows(pg1, "held_cancel")).as("the cancelled insert on pg1").isZero();
    }

    @Test
    void aClientWhoseHeldStatementWasCancelledIsNotCutWhenNoLeaderComesWithinConnectWaitTimeout() throws Exception {
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY);
             PreparedStatement st = client.prepareStatement("select inet_server_port()")) {
            topology.publish(noLeader(true));
            st.setQueryTimeout(1);
            assertThatThrownBy(st::executeQuery)
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            Thread.sleep(3_500); // past connect_wait_timeout (3 s) of the acquisition the cancel left behind
            topology.publish(leaderIs(pg0, 1, 1));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(pg0.port());
            }
        }
    }

    @Test
    void noLeaderForLongerThanConnectWaitTimeoutFailsWithAClearError() throws Exception {
        try (Connection client = connect(transactionRouter, ListenerRole.PRIMARY)) {
            topology.publish(noLeader(true));
            assertThatThrownBy(() -> serverPort(client))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("connect_wait_timeout");
        }
    }

    @Test
    void storeIsolationFencesThePrimaryPortWhileReplicasKeepServing() throws Exception {
        try (Connection writer = connect(sessionRouter, ListenerRole.PRIMARY);
             Connection reader = connect(sessionRouter, ListenerRole.REPLICA)) {
            assertThat(serverPort(reader)).isEqualTo(pg1.port());
            topology.publish(new Topology("test", Optional.of(pg0.name()), members(pg0, 1, 1), false, false, false));

            assertThatThrownBy(() -> serverPort(writer)).isInstanceOf(SQLException.class);
            assertThat(serverPort(reader)).as("replica reads go on").isEqualTo(pg1.port());
        }
    }

    @Test
    void aReplicaLaggingPastMaxLagGetsNoNewReadsAndItsSessionClientsAreCut() throws Exception {
        try (Connection reader = connect(sessionRouter, ListenerRole.REPLICA)) {
            assertThat(serverPort(reader)).isEqualTo(pg1.port());
            Member lagging = new Member(pg1.name(), pg1.host(), pg1.port(), Role.REPLICA, "running", 1, 0,
                    64L * 1024 * 1024, Map.of(), Optional.empty());
            topology.publish(new Topology("test", Optional.of(pg0.name()),
                    List.of(member(pg0, Role.PRIMARY, 1), lagging), false, false, true));

            assertThatThrownBy(() -> serverPort(reader)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(sessionRouter, ListenerRole.REPLICA).close())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57P03"));
        }
    }

    @Test
    void aLeaderBehindTheHighestTimelineSeenIsNotTrusted() throws Exception {
        // A router of its own: it remembers the highest timeline for good, as it should.
        ManualTopologySource own = new ManualTopologySource(leaderIs(pg0, 1, 1));
        Path userList = cluster.tempDir().resolve("userlist.txt");
        try (RouterServer router = RouterServer.start(config(userList, "transaction"), own)) {
            // pg1 reported timeline 3; then pg0 holds the key while still reporting timeline 2.
            own.publish(new Topology("test", Optional.of(pg1.name()),
                    List.of(member(pg0, Role.REPLICA, 2), member(pg1, Role.PRIMARY, 3)), false, false, true));
            own.publish(new Topology("test", Optional.of(pg0.name()),
                    List.of(member(pg0, Role.PRIMARY, 2), member(pg1, Role.REPLICA, 3)), false, false, true));
            assertThat(router.metrics().staleLeaders()).isEqualTo(1);
            assertThatThrownBy(() -> connect(router, ListenerRole.PRIMARY).close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("connect_wait_timeout");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** An empty table of that name on both writable nodes. */
    private void createTable(String table) throws SQLException {
        for (PostgresNode node : List.of(pg0, pg1)) {
            try (Connection direct = node.connect("postgres"); Statement st = direct.createStatement()) {
                st.execute("drop table if exists " + table);
                st.execute("create table " + table + " (id int)");
            }
        }
    }

    private static long rows(PostgresNode node, String table) throws SQLException {
        try (Connection direct = node.connect("postgres"); Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Topology leaderIs(PostgresNode leader, long leaderTimeline, long otherTimeline) {
        return new Topology("test", Optional.of(leader.name()), members(leader, leaderTimeline, otherTimeline),
                false, false, true);
    }

    private Topology noLeader(boolean reachable) {
        return new Topology("test", Optional.empty(), List.of(member(pg0, Role.REPLICA, 1), member(pg1, Role.REPLICA, 1)),
                false, false, reachable);
    }

    private List<Member> members(PostgresNode leader, long leaderTimeline, long otherTimeline) {
        PostgresNode other = leader == pg0 ? pg1 : pg0;
        return List.of(member(leader, Role.PRIMARY, leaderTimeline), member(other, Role.REPLICA, otherTimeline));
    }

    private static Member member(PostgresNode node, Role role, long timeline) {
        return new Member(node.name(), node.host(), node.port(), role, "running", timeline, 0, 0, Map.of(), Optional.empty());
    }

    private static Connection connect(RouterServer router, ListenerRole role) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "20");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + router.port(role) + "/postgres", props);
    }

    private static int serverPort(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("select inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Backends on a node opened by the router (everyone but this direct connection). */
    private static int routerBackendsOn(Connection direct) throws SQLException {
        try (Statement st = direct.createStatement(); ResultSet rs = st.executeQuery(
                "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
