package io.pgwarden.router.patroni;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Topology;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.local.PatroniNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.DataSize;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A real three-member Patroni cluster (etcd, ttl 10 s, loop_wait 2 s) with two routers following it
 * through etcd, one in session mode and one in transaction mode: what the tests of this package
 * share. The routers read etcd every 500 ms, count it unreachable after 5 s without a read, keep
 * replicas lagging more than 1 MB out of reads, and hold new primary work up to 20 s.
 */
final class PatroniRouters implements AutoCloseable {

    static final Duration CHECK_INTERVAL = Duration.ofMillis(500);
    static final Duration ISOLATION_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONNECT_WAIT_TIMEOUT = Duration.ofSeconds(20);
    static final long MAX_LAG = 1024 * 1024;
    /** What tests wait at most for the cluster to settle (a rejoining old leader, an election). */
    static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Pattern LEADER_TIMELINE = Pattern.compile("^leader=\\S+@tl(\\d+)");

    private final PatroniCluster cluster;
    private final RouterServer session;
    private final RouterServer transaction;

    private PatroniRouters(PatroniCluster cluster, RouterServer session, RouterServer transaction) {
        this.cluster = cluster;
        this.session = session;
        this.transaction = transaction;
    }

    static PatroniRouters start() throws Exception {
        PatroniCluster cluster = PatroniCluster.start(PatroniCluster.Options.defaults());
        RouterServer session = null;
        try {
            Path userList = RouterFixture.writeUserList(cluster.tempDir());
            session = RouterServer.start(config(cluster, userList, "session"));
            RouterServer transaction = RouterServer.start(config(cluster, userList, "transaction"));
            PatroniRouters routers = new PatroniRouters(cluster, session, transaction);
            try (Connection c = cluster.waitForLeader(SETTLE).connect("postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE router_writes (id bigserial PRIMARY KEY, port int NOT NULL,"
                        + " at timestamptz NOT NULL DEFAULT clock_timestamp())");
            }
            routers.settle();
            return routers;
        } catch (Exception | Error e) {
            if (session != null) {
                session.close();
            }
            cluster.close();
            throw e;
        }
    }

    private static RouterConfig config(PatroniCluster cluster, Path userList, String mode) {
        RouterConfig base = RouterFixture.baseConfig(cluster, userList, CHECK_INTERVAL, ISOLATION_TIMEOUT);
        return new RouterConfig(base.listen(), base.topology(), base.auth(),
                new RouterConfig.Pool(mode, 0, 10, null, null, Duration.ofSeconds(10), null),
                base.limits(),
                new RouterConfig.Routing(false, new DataSize(MAX_LAG), false, CONNECT_WAIT_TIMEOUT),
                base.server(), base.dcs());
    }

    PatroniCluster cluster() {
        return cluster;
    }

    RouterServer session() {
        return session;
    }

    RouterServer transaction() {
        return transaction;
    }

    /**
     * Waits for a steady cluster — a leader, every running member streaming from it — and for both
     * routers to send new primary work to that leader; returns the leader.
     */
    PatroniNode settle() {
        cluster.waitForReplicas(SETTLE);
        PatroniNode leader = cluster.waitForLeader(SETTLE);
        awaitRoutersOn(leader, SETTLE);
        return leader;
    }

    /** Waits until both routers see {@code leader} as the primary, with etcd reachable and no switchover pending. */
    void awaitRoutersOn(PatroniNode leader, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() ->
                List.of(session, transaction).stream().allMatch(r -> primaryOf(r).equals(leader.name())));
    }

    /** The member new primary work goes to by the router's current topology, or {@code none}. */
    static String primaryOf(RouterServer router) {
        Topology t = router.topology();
        return t.switchoverPending() ? "none" : t.primary().map(Member::name).orElse("none");
    }

    /**
     * One line of what a router sees: leader key (and the timeline its holder reports), the member new
     * primary work goes to by the topology, a pending switchover, etcd unreachable. The router's
     * timeline rule comes on top: a leader behind a timeline already seen is refused (counted in
     * {@code staleLeaders}).
     */
    static String summary(RouterServer router) {
        Topology t = router.topology();
        return "leader=" + t.leader().orElse("none")
                + t.leader().flatMap(t::member).map(m -> "@tl" + m.timeline()).orElse("")
                + " primary=" + router.routingView().primary().map(Member::name).orElse("none")
                + (t.switchoverPending() ? " switchover-pending" : "") + (t.dcsReachable() ? "" : " etcd-unreachable");
    }

    /** Whether a {@link #summary} shows {@code node} holding the key and taking new primary work. */
    static boolean routesTo(String summary, String node) {
        return summary.matches("leader=" + node + "(@tl\\d+)? primary=" + node);
    }

    /** The timeline of the leader in a {@link #summary}, or 0 when it shows none. */
    static long leaderTimeline(String summary) {
        Matcher m = LEADER_TIMELINE.matcher(summary);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The leader key as etcd holds it now, read directly (not through a router). */
    String leaderKey() {
        try {
            return cluster.leader().map(PatroniNode::name).orElse("none");
        } catch (IllegalStateException e) {
            return "unreadable";
        }
    }

    /** The replication lag a router knows for {@code node}, in bytes; -1 when unknown. */
    static long lagOf(RouterServer router, PatroniNode node) {
        return router.topology().member(node.name()).map(Member::lagBytes).orElse(-1L);
    }

    /**
     * A JDBC connection through {@code router}'s port for {@code role} as postgres/postgres;
     * {@code timeout} bounds the login and every statement.
     */
    static Connection connect(RouterServer router, ListenerRole role, Duration timeout) throws SQLException {
        String seconds = String.valueOf(Math.max(1, timeout.toSeconds()));
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + router.port(role) + "/postgres", props);
    }

    static int serverPort(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static boolean inRecovery(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** SQLSTATE and message, for logs and assertion messages. */
    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        return cause instanceof SQLException sql ? sql.getSQLState() + " " + sql.getMessage() : cause.toString();
    }

    static String sqlState(Throwable e) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        return cause == null ? null : ((SQLException) cause).getSQLState();
    }

    @Override
    public void close() {
        try {
            if (transaction != null) {
                transaction.close();
            }
        } finally {
            try {
                session.close();
            } finally {
                cluster.close();
            }
        }
    }
}
