package io.pgwarden.discovery.etcd;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.local.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link EtcdTopologySource} against a real etcd, keys written in Patroni's layout the way Patroni
 * writes them (leader and member keys on leases).
 */
@Timeout(60)
class EtcdTopologySourceIT {

    private static final Logger log = LoggerFactory.getLogger(EtcdTopologySourceIT.class);
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    private static final Duration ISOLATION_TIMEOUT = Duration.ofMillis(1000);

    private static EtcdServer etcd;
    private static Client client;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private PatroniKeys keys;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
        client = Client.builder().endpoints(etcd.clientUrl()).build();
    }

    @AfterAll
    static void stopEtcd() {
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @AfterEach
    void closeSources() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private void useScope(TestInfo test) {
        keys = PatroniKeys.of(test.getTestMethod().orElseThrow().getName());
    }

    @Test
    void initialSnapshotThenMembersComeAndGo(TestInfo test) throws Exception {
        useScope(test);
        long leaseA = lease();
        long leaseB = lease();
        long leaseC = lease();
        put(keys.config(), "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"maximum_lag_on_failover\":1048576}", 0);
        put(keys.initialize(), "7711335758991888263", 0);
        put(keys.member("a"), member(15431, "master", 100, 2), leaseA);
        put(keys.member("b"), member(15432, "replica", 60, 2), leaseB);
        put(keys.member("c"), member(15433, "replica", 100, 2), leaseC);
        put(keys.leader(), "a", leaseA);
        put(keys.status(), "{\"optime\":100}", 0);
        put(keys.history(), "[[1,50,\"no recovery target specified\",\"2026-11-23T12:01:40+00:00\",\"a\"]]", 0);
        put(keys.prefix() + "x", "unrelated key", 0);
        put("/service/" + keys.scope() + "2/leader", "someone else", 0); // a cluster whose name extends ours

        EtcdTopologySource source = start(settings());
        Topology t = source.current();
        assertThat(t.dcsReachable()).isTrue();
        assertThat(t.leader()).contains("a");
        assertThat(t.primary()).map(Member::address).contains("127.0.0.1:15431");
        assertThat(t.members()).extracting(Member::name).containsExactly("a", "b", "c");
        assertThat(t.member("b").orElseThrow().lagBytes()).isEqualTo(40);
        assertThat(t.member("b").orElseThrow().role()).isEqualTo(Role.REPLICA);
        assertThat(t.highestTimeline()).isEqualTo(2);
        assertThat(t.paused()).isFalse();

        Recorder recorder = listen(source);
        assertThat(recorder.all()).containsExactly(t); // a new listener gets the current snapshot first

        client.getLeaseClient().revoke(leaseC).get(5, TimeUnit.SECONDS); // c's agent is gone
        Topology withoutC = recorder.await(s -> s.member("c").isEmpty());
        assertThat(withoutC.members()).extracting(Member::name).containsExactly("a", "b");

        client.getLeaseClient().revoke(leaseA).get(5, TimeUnit.SECONDS); // the leader's lease expires
        Topology leaderless = recorder.await(s -> s.leader().isEmpty());
        assertThat(leaderless.primary()).isEmpty();
        assertThat(leaderless.members()).extracting(Member::name).containsExactly("b");

        put(keys.config(), "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"pause\":true}", 0);
        assertThat(recorder.await(Topology::paused).dcsReachable()).isTrue();

        int snapshots = recorder.all().size();
        Thread.sleep(3 * CHECK_INTERVAL.toMillis()); // periodic reads of an unchanged prefix publish nothing
        assertThat(recorder.all()).hasSize(snapshots);
    }

    @Test
    void leaderChangesReachListenersWithinMilliseconds(TestInfo test) throws Exception {
        useScope(test);
        long leaseA = lease();
        long leaseB = lease();
        put(keys.member("a"), member(15431, "master", 100, 1), leaseA);
        put(keys.member("b"), member(15432, "replica", 100, 1), leaseB);
        put(keys.leader(), "a", leaseA);
        EtcdTopologySource source = start(settings());
        Recorder recorder = listen(source);
        assertThat(source.current().leader()).contains("a");

        int rounds = 20;
        long[] micros = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            String next = i % 2 == 0 ? "b" : "a";
            int seen = recorder.all().size();
            long sent = System.nanoTime();
            put(keys.leader(), next, next.equals("a") ? leaseA : leaseB);
            Recorder.Arrival arrival = recorder.awaitArrival(seen, s -> s.leader().equals(Optional.of(next)));
            micros[i] = (arrival.nanos() - sent) / 1000;
        }
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        log.info("Leader change put -> listener over {} changes: min {} ms, median {} ms, max {} ms; all (us): {}",
                rounds, sorted[0] / 1000.0, sorted[rounds / 2] / 1000.0, sorted[rounds - 1] / 1000.0,
                Arrays.toString(micros));
        assertThat(sorted[rounds - 1]).as("slowest leader change, us").isLessThan(1_000_000);
        assertThat(sorted[rounds / 2]).as("median leader change, us").isLessThan(100_000);
    }

    @Test
    void failoverKeyMarksASwitchoverPending(TestInfo test) throws Exception {
        useScope(test);
        long leaseA = lease();
        put(keys.member("a"), member(15431, "master", 100, 1), leaseA);
        put(keys.member("b"), member(15432, "replica", 100, 1), lease());
        put(keys.leader(), "a", leaseA);
        put(keys.failover(), "{}", 0);
        EtcdTopologySource source = start(settings());
        Recorder recorder = listen(source);
        assertThat(source.current().switchoverPending()).isFalse();

        put(keys.failover(), "{\"leader\":\"a\",\"member\":\"b\"}", 0); // what patronictl switchover writes
        Topology pending = recorder.await(Topology::switchoverPending);
        assertThat(pending.switchover()).hasValueSatisfying(s -> assertThat(s.candidate()).contains("b"));

        put(keys.failover(), "{}", 0); // what Patroni writes once it is done
        assertThat(recorder.await(s -> !s.switchoverPending()).switchover()).isEmpty();

        put(keys.failover(), "{\"leader\":\"a\",\"member\":\"b\",\"scheduled_at\":\"2099-01-01T00:00:00+00:00\"}", 0);
        Topology scheduled = recorder.await(s -> s.switchover().isPresent());
        assertThat(scheduled.switchoverPending()).isFalse(); // far from due
    }

    @Test
    void unreachableWhileEtcdHangsAndBackAfter(TestInfo test) throws Exception {
        useScope(test);
        long leaseA = lease();
        put(keys.member("a"), member(15431, "master", 100, 1), leaseA);
        put(keys.leader(), "a", leaseA);
        EtcdTopologySource source = start(settings());
        Recorder recorder = listen(source);
        assertThat(source.current().primary()).isPresent();

        int seen = recorder.all().size();
        long paused = System.nanoTime();
        etcd.pause();
        Recorder.Arrival isolated;
        long resuming;
        try {
            isolated = recorder.awaitArrival(seen, s -> !s.dcsReachable());
        } finally {
            resuming = System.nanoTime();
            etcd.resume();
        }
        long detectedMs = (isolated.nanos() - paused) / 1_000_000;
        log.info("etcd SIGSTOPped: unreachable published after {} ms (isolation timeout {} ms, check interval {} ms)",
                detectedMs, ISOLATION_TIMEOUT.toMillis(), CHECK_INTERVAL.toMillis());
        // Counted from the last successful read's sending, up to a check interval (two, when a slow read
        // made a tick pass) before the pause; no later than the timeout after the pause, plus slack.
        assertThat(detectedMs).isGreaterThanOrEqualTo(ISOLATION_TIMEOUT.minus(CHECK_INTERVAL.multipliedBy(2)).toMillis())
                .isLessThanOrEqualTo(ISOLATION_TIMEOUT.plus(CHECK_INTERVAL).toMillis() + 500);
        assertThat(isolated.topology().leader()).contains("a"); // the last known shape is kept ...
        assertThat(isolated.topology().primary()).isEmpty(); // ... but no primary while unreachable

        Recorder.Arrival back = recorder.awaitArrival(recorder.indexOf(isolated) + 1, Topology::dcsReachable);
        long recoveredMs = (back.nanos() - resuming) / 1_000_000;
        log.info("etcd SIGCONTed: reachable published after {} ms", recoveredMs);
        assertThat(recoveredMs).isLessThan(CHECK_INTERVAL.toMillis() + 1500);
        assertThat(back.topology().primary()).isPresent();

        // The watch still works after the hang.
        put(keys.member("b"), member(15432, "replica", 100, 1), lease());
        recorder.await(s -> s.member("b").isPresent());
    }

    @Test
    void aWatchBehindTheCompactionIsReplacedByAFreshListing(TestInfo test) throws Exception {
        useScope(test);
        long leaseA = lease();
        put(keys.member("a"), member(15431, "master", 100, 1), leaseA);
        put(keys.leader(), "a", leaseA);
        // Reads every 5 s: whatever shows up sooner came through a watch.
        EtcdTopologySource source = start(new EtcdSourceSettings(List.of(URI.create(etcd.clientUrl())), "/service/",
                keys.scope(), Duration.ofSeconds(5), Duration.ofSeconds(15)));
        Recorder recorder = listen(source);

        long old = put(keys.member("b"), member(15432, "replica", 100, 1), lease());
        recorder.await(s -> s.member("b").isPresent());
        put(keys.member("b"), member(15432, "replica", 90, 1), lease());
        long compactAt = put(keys.prefix() + "filler", "x", 0);
        client.getKVClient().compact(compactAt).get(5, TimeUnit.SECONDS);

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ch.qos.logback.classic.Logger sourceLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(EtcdTopologySource.class);
        sourceLog.addAppender(logs);
        try {
            source.rewatchFrom(old); // as if the watch had fallen behind: etcd answers "compacted"
            await().atMost(Duration.ofSeconds(2)).until(() -> logs.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("fell behind etcd's compaction")));
        } finally {
            sourceLog.detachAppender(logs);
        }
        put(keys.leader(), "b", 0);
        Topology next = recorder.await(s -> s.leader().equals(Optional.of("b")), Duration.ofSeconds(2));
        assertThat(next.member("b").orElseThrow().walPosition()).isEqualTo(90);
    }

    @Test
    void closeStopsItsThreads(TestInfo test) {
        useScope(test);
        EtcdTopologySource source = new EtcdTopologySource(settings());
        source.start();
        String scope = keys.scope();
        assertThat(threadsOf(scope)).isNotEmpty();
        source.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsOf(scope).isEmpty());
    }

    // ---- helpers ----

    private static List<String> threadsOf(String scope) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.endsWith("-" + scope)).toList();
    }

    private EtcdSourceSettings settings() {
        return new EtcdSourceSettings(List.of(URI.create(etcd.clientUrl())), "/service/", keys.scope(), CHECK_INTERVAL,
                ISOLATION_TIMEOUT);
    }

    private EtcdTopologySource start(EtcdSourceSettings settings) {
        EtcdTopologySource source = new EtcdTopologySource(settings);
        toClose.add(source);
        source.start();
        return source;
    }

    private static Recorder listen(EtcdTopologySource source) {
        Recorder recorder = new Recorder();
        source.addListener(recorder);
        return recorder;
    }

    private static long lease() throws Exception {
        return client.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
    }

    /** Puts a key, on a lease unless {@code lease} is 0; returns the revision. */
    private static long put(String key, String value, long lease) throws Exception {
        PutOption option = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
        return client.getKVClient().put(bytes(key), bytes(value), option).get(5, TimeUnit.SECONDS)
                .getHeader().getRevision();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String member(int port, String role, long xlog, int timeline) {
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:1"
                + port + "/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\","
                + "\"xlog_location\":" + xlog + ",\"timeline\":" + timeline + "}";
    }

    /** Every snapshot a listener got, with when it got it. */
    static final class Recorder implements TopologyListener {

        record Arrival(long nanos, Topology topology) {
        }

        private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onTopology(Topology topology) {
            arrivals.add(new Arrival(System.nanoTime(), topology));
            if (!threads.contains(Thread.currentThread())) {
                threads.add(Thread.currentThread());
            }
        }

        int indexOf(Arrival arrival) {
            return arrivals.indexOf(arrival);
        }

        List<Topology> all() {
            return arrivals.stream().map(Arrival::topology).toList();
        }

        Topology await(Predicate<Topology> condition) {
            return await(condition, Duration.ofSeconds(10));
        }

        Topology await(Predicate<Topology> condition, Duration atMost) {
            Arrival[] found = new Arrival[1];
            org.awaitility.Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(1)).until(() -> {
                Optional<Arrival> last = arrivals.isEmpty() ? Optional.empty()
                        : Optional.of(arrivals.get(arrivals.size() - 1));
                found[0] = last.filter(a -> condition.test(a.topology())).orElse(null);
                return found[0] != null;
            });
            assertThat(threads).as("listener threads").hasSize(1);
            return found[0].topology();
        }

        /** The first snapshot from index {@code from} on that satisfies {@code condition}. */
        Arrival awaitArrival(int from, Predicate<Topology> condition) {
            Arrival[] found = new Arrival[1];
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> {
                List<Arrival> snapshot = List.copyOf(arrivals);
                for (int i = from; i < snapshot.size(); i++) {
                    if (condition.test(snapshot.get(i).topology())) {
                        found[0] = snapshot.get(i);
                        return true;
                    }
                }
                return false;
            });
            return found[0];
        }
    }
}
