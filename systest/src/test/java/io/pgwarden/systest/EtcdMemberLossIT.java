package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.local.EtcdCluster;
import io.pgwarden.local.EtcdMember;
import io.pgwarden.router.routing.ListenerRole;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd member of three goes away at a time, for twice the ttl each, under a write load through the
 * router: stopped (each member in turn, the raft leader first, so whichever member a client uses goes
 * once), then frozen. Agents and router have every member's URL, so the leader's lease is renewed
 * through the two left and nothing happens: the same leader key (same create revision, same lease),
 * the same postmaster, no fencing, no demotion, and writes keep being acknowledged without a gap a
 * fence or failover would leave. One cluster for both scenarios.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EtcdMemberLossIT {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdMemberLossIT.class);
    private static final Duration TTL = Duration.ofSeconds(10);
    // A fence stops PostgreSQL and a failover takes about a ttl: either leaves a far longer gap.
    private static final long MAX_GAP_MILLIS = 5000;
    private static final List<String> FENCING = List.of("FENCE", "demote", "give up the leader key");

    private static AgentCluster<EtcdCluster> cluster;
    private static long idBase = 1;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** What identifies one tenure of the leader key: a re-created key has a new create revision. */
    record LeaderKey(String holder, long createRevision, long lease) {
    }

    /** One member's absence, from the fault to its return. */
    record Phase(String what, EtcdMember member, long faultAt, long backAt) {
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("etcdloss"), EtcdCluster.start(3));
        cluster.startRouterAndTable();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void stoppingOneEtcdMemberAtATimeChangesNoLeaderAndFencesNothing() throws Exception {
        EtcdMember first = raftLeader();
        List<EtcdMember> order = new ArrayList<>(List.of(first));
        cluster.etcd.members().stream().filter(m -> m != first).forEach(order::add);
        nothingHappensWhile("stopped", EtcdMember::stop, EtcdMember::start, order, true, MAX_GAP_MILLIS);
    }

    @Test
    @Order(2)
    void freezingTheRaftLeaderMemberChangesNoLeaderAndFencesNothing() throws Exception {
        // etcd before the fix of etcd-io/etcd#15247 (the installed 3.4.23 among them): a raft leader that
        // stalled still takes itself for the leader when it wakes up and revokes every lease that was not
        // renewed through it, which is all of them. The key is gone for a moment and the same node takes it
        // again on a new lease; that is etcd's doing, so only the leader's tenure is not checked here.
        // A frozen member (unlike a stopped one) holds the requests sent to it until they time out: the
        // router's own etcd reads may then miss its isolation timeout (ttl / 2) and hold writes for a
        // while, which is the router's caution, not a failover — those are ruled out by the key's holder,
        // the postmaster and the logs. So the gap may reach the ttl here, not more.
        nothingHappensWhile("frozen", EtcdMember::pause, EtcdMember::resume, List.of(raftLeader()), false,
                TTL.toMillis());
    }

    /**
     * Applies {@code fault} to each member in turn, for twice the ttl, then {@code undo}, and checks the
     * agents noticed nothing.
     *
     * @param sameTenure also check that the leader key was never gone: same create revision, same lease
     */
    private void nothingHappensWhile(String faulted, Consumer<EtcdMember> fault, Consumer<EtcdMember> undo,
            List<EtcdMember> members, boolean sameTenure, long maxGapMillis) throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        AgentProcess leaderNode = cluster.node(leader);
        long postmaster = leaderNode.postmaster().orElseThrow().pid();
        LeaderKey keyBefore = leaderKey();
        double failuresBefore = renewalFailures(leaderNode);
        Map<String, Integer> logLinesBefore = logLines();
        List<Phase> phases = new ArrayList<>();
        WriteLoad load;
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrls(), cluster.keys.leader())) {
            load = new WriteLoad("router", cluster.routerUrl(ListenerRole.PRIMARY), nextIdBase(), Duration.ofSeconds(5))
                    .start();
            try {
                Thread.sleep(2000);
                for (EtcdMember member : members) {
                    phases.add(faultFor(faulted, fault, undo, member));
                    Thread.sleep(2000);
                }
            } finally {
                load.close();
            }
            LOG.info("leader key while etcd members were {}:\n{}", faulted, history.describe());
            assertThat(history.holders()).as("holders of the leader key").containsExactly(leader);
            if (sameTenure) {
                assertThat(history.changes()).as("no expiry or release of the leader key")
                        .allMatch(change -> change.holder().isPresent());
            }
        }

        LeaderKey keyAfter = leaderKey();
        double failedRenewals = renewalFailures(leaderNode) - failuresBefore;
        for (Phase phase : phases) {
            LOG.info("etcd {} {} for {} ms: longest write gap {} ms, {} writes failed, {} acknowledged",
                    phase.what(), phase.member().name(), (phase.backAt() - phase.faultAt()) / 1_000_000,
                    longestGapMillis(load, phase), failed(load, phase), acked(load, phase));
        }
        LOG.info("members {}: longest write gap {} ms, {} acknowledged, {} failed; the leader's failed lease renewals: {}",
                faulted, load.longestGapMillis(), load.ackedCount(), load.attempts().size() - load.ackedCount(),
                failedRenewals);

        List<String> fencing = fencingLines(logLinesBefore);
        if (!fencing.isEmpty()) {
            cluster.dumpLogs();
        }
        assertThat(fencing).as("agent log lines of fencing or demotion").isEmpty();
        if (sameTenure) {
            assertThat(keyAfter).as("the leader key: same holder, create revision and lease").isEqualTo(keyBefore);
        }
        assertThat(keyAfter.holder()).as("the leader key's holder").isEqualTo(leader);
        assertThat(leaderNode.postmaster().map(ProcessHandle::pid)).as("the leader's postmaster").hasValue(postmaster);
        for (Phase phase : phases) {
            assertThat(longestGapMillis(load, phase)).as("longest write gap while %s was %s", phase.member(), faulted)
                    .isLessThan(maxGapMillis);
        }
        assertThat(load.longestGapMillis()).as("longest write gap").isLessThan(maxGapMillis);
        Set<Long> onLeader = AgentCluster.idsOn(leaderNode.pgPort());
        List<Long> missing = load.acked().stream().map(WriteLoad.Attempt::id).filter(id -> !onLeader.contains(id)).toList();
        assertThat(missing).as("acknowledged ids missing on the leader").isEmpty();
        assertThat(load.ackedCount()).isPositive();
    }

    /** Applies {@code fault} to {@code member} for twice the ttl, undoes it and checks the member is back in the cluster. */
    private Phase faultFor(String faulted, Consumer<EtcdMember> fault, Consumer<EtcdMember> undo, EtcdMember member)
            throws Exception {
        String what = faulted + (member.isRaftLeader() ? " (raft leader)" : " (follower)");
        LOG.info("==== etcd {} {} ====", member.name(), what);
        long faultAt = System.nanoTime();
        fault.accept(member);
        Thread.sleep(TTL.multipliedBy(2).toMillis());
        Optional<String> holder = cluster.etcd.get(cluster.keys.leader());
        undo.accept(member);
        long backAt = System.nanoTime();
        LOG.info("==== etcd {} is back ====", member.name());
        // Back in the cluster: it answers linearizable reads, which need the raft leader, with the cluster's data.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> member.get(cluster.keys.leader()), holder::equals);
        assertThat(health(member)).contains("\"health\":\"true\"");
        return new Phase(what, member, faultAt, backAt);
    }

    private static EtcdMember raftLeader() {
        return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.etcd.raftLeader(), Optional::isPresent).orElseThrow();
    }

    private static LeaderKey leaderKey() throws Exception {
        try (Client client = Client.builder().endpoints(cluster.etcd.clientUrls().toArray(String[]::new)).build()) {
            List<KeyValue> kvs = client.getKVClient().get(ByteSequence.from(cluster.keys.leader(), StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS).getKvs();
            assertThat(kvs).as("the leader key").hasSize(1);
            KeyValue kv = kvs.get(0);
            return new LeaderKey(kv.getValue().toString(StandardCharsets.UTF_8), kv.getCreateRevision(), kv.getLease());
        }
    }

    /** The agent's count of failed lease renewals, from its Prometheus metrics. */
    private double renewalFailures(AgentProcess node) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.restUrl() + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith("pgwarden_agent_lease_renewal_failures"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private String health(EtcdMember member) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body().replace(" ", "");
    }

    private static Map<String, Integer> logLines() throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        for (AgentProcess node : cluster.agents.nodes()) {
            lines.put(node.name(), Files.readAllLines(node.log()).size());
        }
        return lines;
    }

    /** Lines of fencing or demotion the agents logged after {@code before}. */
    private static List<String> fencingLines(Map<String, Integer> before) throws IOException {
        List<String> lines = new ArrayList<>();
        for (AgentProcess node : cluster.agents.nodes()) {
            List<String> log = Files.readAllLines(node.log());
            for (String line : log.subList(before.getOrDefault(node.name(), 0), log.size())) {
                if (FENCING.stream().anyMatch(line::contains)) {
                    lines.add(node.name() + ": " + line);
                }
            }
        }
        return lines;
    }

    private static long nextIdBase() {
        long base = idBase;
        idBase += 10_000_000;
        return base;
    }

    /** Attempts answered from the fault until 2 s after the member is back. */
    private static List<WriteLoad.Attempt> window(List<WriteLoad.Attempt> attempts, Phase phase) {
        long end = phase.backAt() + Duration.ofSeconds(2).toNanos();
        return attempts.stream().filter(a -> a.doneNanos() >= phase.faultAt() && a.doneNanos() <= end).toList();
    }

    /** The longest time without an acknowledgement in the phase, counted from the last one before it. */
    private static long longestGapMillis(WriteLoad load, Phase phase) {
        long previous = load.acked().stream().mapToLong(WriteLoad.Attempt::doneNanos)
                .filter(done -> done < phase.faultAt()).max().orElse(phase.faultAt());
        long longest = 0;
        for (WriteLoad.Attempt a : window(load.acked(), phase)) {
            longest = Math.max(longest, a.doneNanos() - previous);
            previous = a.doneNanos();
        }
        long end = phase.backAt() + Duration.ofSeconds(2).toNanos();
        longest = Math.max(longest, end - previous); // no acknowledgement at all up to the end counts too
        return longest / 1_000_000;
    }

    private static long failed(WriteLoad load, Phase phase) {
        return window(load.attempts(), phase).stream().filter(a -> !a.acked()).count();
    }

    private static long acked(WriteLoad load, Phase phase) {
        return window(load.acked(), phase).size();
    }
}
