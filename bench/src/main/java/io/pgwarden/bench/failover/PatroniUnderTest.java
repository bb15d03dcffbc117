package io.pgwarden.bench.failover;

import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.SyncState;
import io.pgwarden.local.Commands;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.HaproxyServer;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.local.PatroniNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A {@link PatroniCluster} (three Patroni members, use_pg_rewind, asynchronous unless asked) as a
 * {@link ClusterUnderTest}. Synchronous mode is switched on after start through Patroni's
 * {@code PATCH /config}, as an operator would, and the start waits for the sync key to name a standby.
 */
final class PatroniUnderTest implements ClusterUnderTest {

    private static final Duration REST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    private final PatroniCluster cluster;
    private final boolean synchronous;
    /** The pid {@link #freezeAgent} stopped, -1 if none: Patroni's pid file may be rewritten while it is stopped. */
    private long frozen = -1;

    private PatroniUnderTest(PatroniCluster cluster, boolean synchronous) {
        this.cluster = cluster;
        this.synchronous = synchronous;
    }

    /** Starts the cluster and returns once it is healthy (with a synchronous standby if {@code synchronous}). */
    static PatroniUnderTest start(int ttl, int loopWait, int retryTimeout, boolean synchronous, Duration timeout) {
        PatroniCluster cluster = PatroniCluster.start(PatroniCluster.Options.defaults()
                .withTiming(ttl, loopWait, retryTimeout));
        PatroniUnderTest under = new PatroniUnderTest(cluster, synchronous);
        try {
            if (synchronous) {
                under.patchConfig("{\"synchronous_mode\": true}");
            }
            under.awaitHealthy(timeout);
        } catch (RuntimeException e) {
            under.close();
            throw e;
        }
        return under;
    }

    private void patchConfig(String json) {
        PatroniNode leader = cluster.waitForLeader(REST_TIMEOUT.multipliedBy(6));
        HttpRequest request = HttpRequest.newBuilder(URI.create(leader.apiUrl() + "/config")).timeout(REST_TIMEOUT)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("PATCH /config " + json + " on " + leader.name() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException("PATCH /config on " + leader.name() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public EtcdServer etcd() {
        return cluster.etcd();
    }

    @Override
    public String namespace() {
        return cluster.options().namespace();
    }

    @Override
    public String scope() {
        return cluster.options().scope();
    }

    @Override
    public String leaderKey() {
        return cluster.keyPrefix() + "leader";
    }

    @Override
    public Map<Integer, String> nodeByPort() {
        return cluster.nodes().stream().collect(Collectors.toMap(PatroniNode::pgPort, PatroniNode::name));
    }

    @Override
    public int pgPort(String node) {
        return cluster.node(node).pgPort();
    }

    @Override
    public List<HaproxyServer.Backend> haproxyBackends() {
        return cluster.nodes().stream().map(HaproxyServer.Backend::of).toList();
    }

    @Override
    public String awaitLeader(Duration timeout) {
        return cluster.waitForLeader(timeout).name();
    }

    @Override
    public String awaitNewLeader(String old, Duration timeout) {
        return cluster.waitForNewLeader(old, timeout).name();
    }

    @Override
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        cluster.waitForLeader(timeout);
        cluster.waitForReplicas(remaining(deadline));
        if (!synchronous) {
            return;
        }
        String last = "no sync key";
        while (System.nanoTime() - deadline < 0) {
            Optional<String> leader = cluster.leader().map(PatroniNode::name);
            Optional<String> sync = cluster.etcd().get(cluster.keyPrefix() + "sync");
            if (leader.isPresent() && sync.isPresent()) {
                SyncState state = new PatroniJson().readSync(sync.get());
                if (leader.get().equals(state.leader()) && !state.syncStandbys().isEmpty()) {
                    return;
                }
                last = "sync key " + sync.get() + " with leader " + leader.get();
            }
            sleep(POLL);
        }
        throw new IllegalStateException("no synchronous standby named within " + timeout.toSeconds() + " s: " + last);
    }

    @Override
    public Connection connect(String node) throws SQLException {
        return cluster.node(node).connect("postgres");
    }

    @Override
    public void crashNode(String node) {
        cluster.node(node).kill();
    }

    @Override
    public void startNode(String node) {
        cluster.node(node).start();
    }

    @Override
    public void crashPostgres(String node) {
        long pid = cluster.node(node).postmasterPid()
                .orElseThrow(() -> new IllegalStateException("no postmaster runs on " + node));
        ProcessKill.tree(pid);
    }

    @Override
    public long freezeAgent(String node) {
        long pid = cluster.node(node).patroniPid()
                .orElseThrow(() -> new IllegalStateException("the Patroni agent of " + node + " is not running"));
        Commands.signal(pid, "STOP");
        frozen = pid;
        return pid;
    }

    @Override
    public void thawAgent(String node) {
        if (frozen > 0) {
            Commands.signal(frozen, "CONT");
            frozen = -1;
        }
    }

    @Override
    public String switchover() {
        return cluster.switchover(null).name();
    }

    @Override
    public void saveLogs(Path dir) {
        cluster.nodes().forEach(n -> LogFiles.copy(n.logFile(), dir.resolve(n.name() + ".log")));
        LogFiles.copy(cluster.etcd().logFile(), dir.resolve("etcd.log"));
    }

    @Override
    public void close() {
        if (frozen > 0) {
            try {
                Commands.signal(frozen, "CONT");
            } catch (RuntimeException e) {
                // gone already
            }
        }
        cluster.close();
    }

    @Override
    public String toString() {
        return "PatroniUnderTest[" + cluster + (synchronous ? ", synchronous" : "") + "]";
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
