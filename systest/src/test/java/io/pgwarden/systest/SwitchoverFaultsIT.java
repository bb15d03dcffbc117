package io.pgwarden.systest;

import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.drain.DrainKeys;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.SyncState;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The coordinated switchover when things go wrong, on one cluster (three agents, synchronous mode,
 * a transaction-mode and a session-mode router in this JVM, and routers as OS processes to kill or
 * freeze): the REST refusals, session-mode clients cut with 57P01 naming both nodes, a transaction
 * that outlives the drain timeout cut the same way, and a dead or frozen router costing the switchover
 * at most the drain timeout or its lease.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SwitchoverFaultsIT {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchoverFaultsIT.class);
    /** The drain timeout the fault tests set in the config key: well below the routers' leases. */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    /** What a switchover may cost beyond its drain: the stop, the candidate's catch-up and promotion, polls. */
    private static final Duration STOP_AND_PROMOTE = Duration.ofSeconds(3);
    /**
     * The writers' statement timeout while a drain lasts seconds: the live routers hold new primary
     * work for the whole drain, which is the price of a dead router, not a failure.
     */
    private static final Duration PATIENT = Duration.ofSeconds(10);

    private static AgentCluster<EtcdServer> cluster;
    private static RouterServer transactionRouter;
    private static RouterServer sessionRouter;
    private static DrainKeys drainKeys;
    private static long idBase = 1;
    private final HttpClient http = HttpClient.newHttpClient();
    private final PatroniJson json = new PatroniJson();

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("swfaults"));
        transactionRouter = cluster.startRouter();
        sessionRouter = cluster.startRouter("session");
        drainKeys = new DrainKeys(cluster.keys);
        String leader = cluster.awaitLeader(Duration.ofSeconds(30));
        try (Connection c = AgentCluster.connect(cluster.node(leader))) {
            WriteLoad.createTable(c);
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---- refusals ----

    @Test
    @Order(1)
    void refusedSwitchoversChangeNothing() throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        String sync = syncStandby();
        String async = cluster.agents.nodes().stream().map(n -> n.name())
                .filter(n -> !n.equals(leader) && !n.equals(sync)).findFirst().orElseThrow();

        assertRefused(post(leader, "/switchover", body(sync, async, null)), 412, "leader name does not match");
        assertRefused(post(leader, "/switchover", body(leader, "node9", null)), 412, "candidate does not exists");
        assertRefused(post(leader, "/switchover", body(leader, async, null)), 412,
                "candidate name does not match with sync_standby");
        String past = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.now().minusSeconds(3600).atOffset(ZoneOffset.UTC));
        assertRefused(post(leader, "/switchover", body(leader, sync, past)), 422, "Cannot schedule switchover in the past");
        assertRefused(call(leader, "DELETE", "/switchover", ""), 404, "no switchover is scheduled");
        assertThat(cluster.leader()).contains(leader);

        Instant at = Instant.now().plusSeconds(5);
        String when = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
        HttpResponse<String> scheduled = post(leader, "/switchover", body(leader, sync, when));
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(202);
        assertThat(failoverRequest()).as("the scheduled request in etcd").isPresent();
        HttpResponse<String> deleted = call(leader, "DELETE", "/switchover", "");
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(failoverRequest()).as("the request after DELETE").isEmpty();
        // Two loops past the time it was scheduled for: a request still around would have been carried out.
        long wait = Duration.between(Instant.now(), at).plusSeconds(2L * 2 + 1).toMillis();
        Thread.sleep(Math.max(0, wait));
        assertThat(cluster.leader()).as("the leader after the cancelled switchover's time").contains(leader);
        assertThat(failoverRequest()).isEmpty();
    }

    private void assertRefused(HttpResponse<String> answer, int code, String text) throws Exception {
        LOG.info("refusal: {} {}", answer.statusCode(), answer.body().strip());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(code);
        assertThat(answer.body()).contains(text);
        assertThat(failoverRequest()).as("no request left in etcd by a refusal").isEmpty();
    }

    // ---- session mode ----

    @Test
    @Order(2)
    void sessionModeClientsOfTheOldPrimaryAreCutNamingBothNodesAndNothingElseFails() throws Exception {
        int switchovers = 2;
        int sessionWriters = 3;
        List<WriteLoad> session = new ArrayList<>();
        for (int i = 0; i < sessionWriters; i++) {
            session.add(new WriteLoad("s" + i, AgentCluster.routerUrl(sessionRouter, ListenerRole.PRIMARY), nextIdBase(),
                    Duration.ofSeconds(1)).start());
        }
        WriteLoad pooled = new WriteLoad("t0", AgentCluster.routerUrl(transactionRouter, ListenerRole.PRIMARY), nextIdBase(),
                Duration.ofSeconds(1)).start();
        List<WriteLoad> all = new ArrayList<>(session);
        all.add(pooled);
        List<String> pairs = new ArrayList<>();
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        for (int i = 0; i < switchovers; i++) {
            cluster.awaitHealthy(Duration.ofSeconds(60));
            awaitAcks(all, Duration.ofSeconds(10));
            try (Connection idle = routerConnection(sessionRouter, Duration.ofSeconds(1))) {
                assertThat(serverPort(idle)).isEqualTo(cluster.node(leader).pgPort());
                String candidate = syncStandby();
                HttpResponse<String> answer = post(leader, "/switchover", body(leader, candidate, null));
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(cluster.awaitLeader(Duration.ofSeconds(10))).isEqualTo(candidate);
                pairs.add(leader + " to " + candidate);
                // A session client idle on the old primary: cut, naming both nodes ...
                String from = leader;
                assertThatThrownBy(() -> serverPort(idle)).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57P01");
                    assertThat(e.getMessage()).contains(from).contains(candidate);
                });
                leader = candidate;
            }
            // ... and once it reconnects, it is on the new primary.
            try (Connection again = routerConnection(sessionRouter, Duration.ofSeconds(1))) {
                assertThat(serverPort(again)).isEqualTo(cluster.node(leader).pgPort());
                assertThat(inRecovery(again)).isFalse();
            }
            awaitAcks(all, Duration.ofSeconds(10));
        }
        for (WriteLoad load : all) {
            load.close();
        }

        for (WriteLoad load : session) {
            List<WriteLoad.Attempt> failed = load.attempts().stream().filter(a -> !a.acked()).toList();
            LOG.info("session writer: {} acked, failed {}", load.ackedCount(), failed);
            assertThat(failed).as("each session writer is cut once per switchover").hasSize(switchovers);
            for (int i = 0; i < switchovers; i++) {
                assertThat(failed.get(i).error()).as("cut %d", i + 1).startsWith("57P01 ")
                        .contains("switchover of the primary from " + pairs.get(i));
            }
        }
        assertThat(pooled.attempts().stream().filter(a -> !a.acked()).toList())
                .as("transaction-mode writes that failed").isEmpty();
        assertAllOnLeader(all, leader);
    }

    // ---- a transaction longer than the drain ----

    @Test
    @Order(3)
    void transactionsOpenLongerThanTheDrainTimeoutAreCutNamingBothNodes() throws Exception {
        setDrainTimeout(DRAIN.toSeconds());
        cluster.awaitHealthy(Duration.ofSeconds(60));
        List<WriteLoad> loads = startPatientLoad(3);
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        String candidate = syncStandby();
        long idle = nextIdBase();
        long sleeping = idle + 1;
        try (Connection open = routerConnection(transactionRouter, Duration.ZERO);
             Connection busy = routerConnection(transactionRouter, Duration.ZERO)) {
            open.setAutoCommit(false);
            insert(open, idle); // idle in transaction from here on
            busy.setAutoCommit(false);
            insert(busy, sleeping);
            CompletableFuture<Void> longStatement = CompletableFuture.runAsync(() -> {
                try (Statement s = busy.createStatement()) {
                    s.execute("SELECT pg_sleep(" + DRAIN.multipliedBy(4).toSeconds() + ")");
                    busy.commit();
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Thread.sleep(200); // the statement is running

            Timed switchover = switchover(leader, candidate);
            LOG.info("switchover with two transactions open: {} {}, {} ms from the drain to the new leader",
                    switchover.answer().statusCode(), switchover.answer().body().strip(), switchover.drainToLeaderMs());

            assertThatThrownBy(() -> longStatement.get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> assertCutForSwitchover(e, leader, candidate));
            assertThatThrownBy(open::commit).isInstanceOfSatisfying(SQLException.class,
                    e -> assertCutForSwitchover(e, leader, candidate));
            assertThat(switchover.answer().statusCode()).as(switchover.answer().body()).isEqualTo(200);
            assertThat(cluster.awaitLeader(Duration.ofSeconds(10))).isEqualTo(candidate);
            // The router cuts a little before the timeout, so that its message, not PostgreSQL's shutdown, reaches the client.
            assertThat(switchover.drainToLeaderMs()).as("the open transactions held the drain to its timeout, and no longer")
                    .isBetween(DRAIN.minusMillis(500).toMillis(), DRAIN.plus(STOP_AND_PROMOTE).toMillis());
        }
        cluster.awaitHealthy(Duration.ofSeconds(60));
        awaitAcks(loads, Duration.ofSeconds(10));
        for (WriteLoad load : loads) {
            load.close();
        }
        assertNoneFailed(loads);
        assertAllOnLeader(loads, candidate);
        Set<Long> onNew = AgentCluster.idsOn(cluster.node(candidate));
        Set<Long> onOld = AgentCluster.idsOn(cluster.node(leader));
        assertThat(onNew).as("the cut transactions on the new leader").doesNotContain(idle, sleeping);
        assertThat(onOld).as("the cut transactions on the old primary").doesNotContain(idle, sleeping);
    }

    private static void assertCutForSwitchover(SQLException e, String from, String to) {
        LOG.info("cut: {} {}", e.getSQLState(), e.getMessage());
        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57P01");
        assertThat(e.getMessage()).contains("switchover of the primary from " + from + " to " + to)
                .contains("drain timeout");
    }

    // ---- dead and frozen routers ----

    @Test
    @Order(4)
    void routerKilledRightBeforeTheSwitchoverCostsTheDrainTimeoutAndNoMore() throws Exception {
        setDrainTimeout(DRAIN.toSeconds());
        try (RouterProcess doomed = startRouterProcess(Duration.ofSeconds(20))) {
            List<WriteLoad> loads = startPatientLoad(3);
            doomed.kill();
            assertThat(cluster.etcd.get(drainKeys.router(doomed.id()))).as("a killed router's registration").isPresent();
            SwitchoverResult result = switchoverUnderLoad(loads);
            assertThat(result.drainToLeaderMs()).as("waited for the dead router until the drain timeout, and no longer")
                    .isBetween(DRAIN.toMillis(), DRAIN.plus(STOP_AND_PROMOTE).toMillis());
            awaitDeregistered(doomed, Duration.ofSeconds(25));
        }
    }

    @Test
    @Order(5)
    void frozenRouterDoesNotHoldTheSwitchoverBeyondTheDrainTimeout() throws Exception {
        setDrainTimeout(DRAIN.toSeconds());
        try (RouterProcess frozen = startRouterProcess(Duration.ofSeconds(20))) {
            List<WriteLoad> loads = startPatientLoad(3);
            frozen.freeze();
            SwitchoverResult result;
            try {
                result = switchoverUnderLoad(loads);
            } finally {
                frozen.thaw();
            }
            assertThat(result.drainToLeaderMs()).as("waited for the frozen router until the drain timeout, and no longer")
                    .isBetween(DRAIN.toMillis(), DRAIN.plus(STOP_AND_PROMOTE).toMillis());
            frozen.terminate();
            awaitDeregistered(frozen, Duration.ofSeconds(10));
        }
    }

    @Test
    @Order(6)
    void routerKilledDuringALongDrainTimeoutCostsOnlyItsLease() throws Exception {
        Duration lease = Duration.ofSeconds(3);
        setDrainTimeout(60);
        try (RouterProcess doomed = startRouterProcess(lease)) {
            List<WriteLoad> loads = startPatientLoad(3);
            doomed.kill();
            SwitchoverResult result = switchoverUnderLoad(loads);
            assertThat(result.drainToLeaderMs()).as("waited for the dead router until its lease ended, not the 60 s drain timeout")
                    .isLessThanOrEqualTo(lease.plus(STOP_AND_PROMOTE).toMillis());
        } finally {
            setDrainTimeout(null);
        }
    }

    private record SwitchoverResult(String from, String to, long drainToLeaderMs) {
    }

    /** A switchover's answer, and the time from the drain's announcement to the candidate holding the key. */
    private record Timed(HttpResponse<String> answer, long drainToLeaderMs) {
    }

    /**
     * POST /switchover, timed by the test's own watches of {@code drain} and the leader key: what the
     * routers cost the switchover, without the time the request takes to reach the leader's loop.
     */
    private Timed switchover(String leader, String candidate) throws Exception {
        try (LeaderKeyHistory drain = new LeaderKeyHistory(cluster.etcd.clientUrl(), drainKeys.drain());
             LeaderKeyHistory key = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            HttpResponse<String> answer = post(leader, "/switchover", body(leader, candidate, null));
            if (answer.statusCode() != 200) {
                return new Timed(answer, -1);
            }
            long taken = await("the candidate's key, as watched").atMost(Duration.ofSeconds(5))
                    .until(() -> key.changes().stream().filter(c -> c.holder().map(candidate::equals).orElse(false))
                            .map(LeaderKeyHistory.Change::atNanos).findFirst(), java.util.Optional::isPresent).orElseThrow();
            List<LeaderKeyHistory.Change> drains = drain.changes();
            long announced = drains.subList(1, drains.size()).stream().filter(c -> c.holder().isPresent())
                    .map(LeaderKeyHistory.Change::atNanos).findFirst().orElseThrow(() -> new AssertionError("no drain announced"));
            return new Timed(answer, (taken - announced) / 1_000_000);
        }
    }

    /** One switchover to the sync standby under {@code loads}, which it closes: none failed, none lost. */
    private SwitchoverResult switchoverUnderLoad(List<WriteLoad> loads) throws Exception {
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        String candidate = syncStandby();
        awaitAcks(loads, Duration.ofSeconds(10));
        Timed switchover = switchover(leader, candidate);
        HttpResponse<String> answer = switchover.answer();
        LOG.info("switchover {} -> {}: {} {}, {} ms from the drain to the new leader", leader, candidate, answer.statusCode(),
                answer.body().strip(), switchover.drainToLeaderMs());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(cluster.awaitLeader(Duration.ofSeconds(10))).isEqualTo(candidate);
        cluster.awaitHealthy(Duration.ofSeconds(60));
        awaitAcks(loads, Duration.ofSeconds(10));
        for (WriteLoad load : loads) {
            load.close();
        }
        assertNoneFailed(loads);
        assertAllOnLeader(loads, candidate);
        return new SwitchoverResult(leader, candidate, switchover.drainToLeaderMs());
    }

    private RouterProcess startRouterProcess(Duration lease) throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        RouterProcess router = RouterProcess.start(cluster.dir, cluster.etcd.clientUrls(), cluster.agents.options().scope(),
                cluster.dir.resolve("userlist.txt"), lease);
        try {
            await("router process registers").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> cluster.etcd.get(drainKeys.router(router.id())).isPresent());
        } catch (RuntimeException | Error e) {
            LOG.info("router process log:\n{}", java.nio.file.Files.readString(router.log()));
            router.close();
            throw e;
        }
        return router;
    }

    private void awaitDeregistered(RouterProcess router, Duration timeout) {
        await("registration of " + router.id() + " gone").atMost(timeout).pollInterval(Duration.ofMillis(250))
                .until(() -> cluster.etcd.get(drainKeys.router(router.id())).isEmpty());
    }

    private List<WriteLoad> startPatientLoad(int writers) {
        List<WriteLoad> loads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            loads.add(new WriteLoad("p" + i, AgentCluster.routerUrl(transactionRouter, ListenerRole.PRIMARY), nextIdBase(),
                    PATIENT).start());
        }
        return loads;
    }

    // ---- helpers ----

    private static void assertNoneFailed(List<WriteLoad> loads) {
        List<WriteLoad.Attempt> failed = loads.stream().flatMap(l -> l.attempts().stream()).filter(a -> !a.acked()).toList();
        assertThat(failed).as("writes that failed through the live router").isEmpty();
    }

    private static void assertAllOnLeader(List<WriteLoad> loads, String leader) throws SQLException {
        Set<Long> onLeader = AgentCluster.idsOn(cluster.node(leader));
        List<Long> lost = loads.stream().flatMap(l -> l.acked().stream()).map(WriteLoad.Attempt::id)
                .filter(id -> !onLeader.contains(id)).toList();
        assertThat(lost).as("acknowledged writes missing on the new leader " + leader).isEmpty();
    }

    /** Sets (or with null removes) {@code drain_timeout} in the config key, through PATCH /config. */
    private void setDrainTimeout(Number seconds) throws Exception {
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        HttpResponse<String> patched = call(leader, "PATCH", "/config", "{\"drain_timeout\":" + seconds + "}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        Thread.sleep(Duration.ofSeconds(cluster.agents.options().loopWait()).toMillis() + 500); // one loop reads it
    }

    private java.util.Optional<?> failoverRequest() {
        return json.readFailover(cluster.etcd.get(cluster.keys.failover()).orElse(""));
    }

    private String syncStandby() {
        SyncState sync = json.readSync(cluster.etcd.get(cluster.keys.sync()).orElseThrow());
        return new TreeSet<>(sync.syncStandbys()).first();
    }

    private static String body(String leader, String candidate, String scheduledAt) {
        StringBuilder b = new StringBuilder("{\"leader\":\"" + leader + "\"");
        if (candidate != null) {
            b.append(",\"candidate\":\"").append(candidate).append('"');
        }
        if (scheduledAt != null) {
            b.append(",\"scheduled_at\":\"").append(scheduledAt).append('"');
        }
        return b.append('}').toString();
    }

    private HttpResponse<String> post(String node, String path, String body) throws Exception {
        return call(node, "POST", path, body);
    }

    private HttpResponse<String> call(String node, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.node(node).restUrl() + path))
                .timeout(Duration.ofSeconds(90)).method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Connection routerConnection(RouterServer router, Duration statementTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        if (!statementTimeout.isZero()) {
            props.setProperty("options", "-c statement_timeout=" + statementTimeout.toMillis());
        }
        return DriverManager.getConnection(AgentCluster.routerUrl(router, ListenerRole.PRIMARY), props);
    }

    private static int serverPort(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT inet_server_port()")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static boolean inRecovery(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    private static void insert(Connection c, long id) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO acked (id) VALUES (?)")) {
            insert.setLong(1, id);
            insert.executeUpdate();
        }
    }

    private static void awaitAcks(List<WriteLoad> loads, Duration timeout) {
        List<Integer> before = loads.stream().map(WriteLoad::ackedCount).toList();
        await("every writer makes progress").atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < loads.size(); i++) {
                if (loads.get(i).ackedCount() <= before.get(i) + 3) {
                    return false;
                }
            }
            return true;
        });
    }

    private static long nextIdBase() {
        long base = idBase;
        idBase += 10_000_000;
        return base;
    }
}
