package io.pgwarden.router.routing;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.drain.Drain;
import io.pgwarden.router.metrics.RouterMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns topology snapshots into routing decisions. The primary port gets the member that holds
 * the leader key — unless the store is unreachable, a switchover is pending, or the holder is a
 * primary on an older timeline than a running member (a stale primary that re-took the key): then
 * there is no primary, and new work waits up to {@code connect_wait_timeout} for one. The replica port gets
 * the running replicas within {@code max_lag}, in turn: each piece of work (a transaction, or a whole
 * session-mode client) starts one step further round; a transaction-mode login, which only needs some
 * server for a moment, does not move the turn.
 */
public final class Router implements TopologyListener {

    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final Duration DRAIN_HOLD_GRACE = Duration.ofSeconds(10);

    private volatile RoutingSettings settings;
    private final RouterMetrics metrics;
    /** Moved once per piece of work only: were logins to move it too, one-query clients would all land on one replica. */
    private final AtomicInteger nextReplica = new AtomicInteger();
    private final List<Promise<Void>> primaryWaiters = new ArrayList<>();
    private volatile RoutingView view;
    /** Guarded by this: the topology source's thread, or a config reload re-evaluating. */
    private String reportedStaleLeader;
    /** Guarded by this. */
    private SeenDrain drainSeen;

    public Router(RoutingSettings settings, RouterMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * New settings (a config reload). connect_wait_timeout and replica_fallback_to_primary apply
     * at once; max_lag and fence_replicas_on_isolation at the next {@link #onTopology} (the reload
     * replays the current topology).
     */
    public void updateSettings(RoutingSettings settings) {
        this.settings = settings;
    }

    public RoutingSettings settings() {
        return settings;
    }

    @Override
    public synchronized void onTopology(Topology topology) {
        RoutingSettings settings = this.settings;
        Optional<Member> holder = trustedKeyHolder(topology);
        Optional<Member> primary = topology.switchoverPending() || draining(topology) ? Optional.empty() : holder;
        List<Member> readable = !topology.dcsReachable() && settings.fenceReplicasOnIsolation()
                ? List.of()
                : topology.replicas().stream().filter(this::fitForReads).toList();
        view = new RoutingView(topology, holder, primary, readable);
        if (primary.isPresent()) {
            List<Promise<Void>> ready;
            synchronized (primaryWaiters) {
                ready = new ArrayList<>(primaryWaiters);
                primaryWaiters.clear();
            }
            ready.forEach(p -> p.trySuccess(null));
        }
    }

    /**
     * A coordinated switchover holds new primary work from its announcement until the candidate has been
     * promoted (it deletes {@code drain} then) — but never longer than the drain timeout plus
     * {@link #DRAIN_HOLD_GRACE}: a leader that died mid-drain leaves its key until its lease ends.
     */
    private boolean draining(Topology topology) {
        if (topology.drain().isEmpty()) {
            drainSeen = null;
            return false;
        }
        Drain drain = topology.drain().get();
        long now = System.nanoTime();
        if (drainSeen == null || !drainSeen.id().equals(drain.id())) {
            drainSeen = new SeenDrain(drain.id(), now + drain.timeout().plus(DRAIN_HOLD_GRACE).toNanos());
            log.info("switchover from {} to {}: holding new work for the primary of cluster {}", drain.leader(),
                    drain.candidate(), topology.cluster());
        }
        return now - drainSeen.holdUntilNanos() < 0;
    }

    private record SeenDrain(String id, long holdUntilNanos) {
    }

    private Optional<Member> trustedKeyHolder(Topology topology) {
        // The key decides, not the member's role: a new leader's member key still says "replica" for up
        // to a loop_wait after it took the key. Whether it is writable yet is checked per connection
        // (in_hot_standby), so trusting the key early costs nothing and saves that wait.
        Optional<Member> holder = topology.dcsReachable()
                ? topology.leader().flatMap(topology::member).filter(Member::isRunning)
                : Optional.empty();
        if (holder.isEmpty()) {
            return holder;
        }
        Member leader = holder.get();
        long ahead = topology.members().stream()
                .filter(m -> m.isRunning() && !m.name().equals(leader.name()))
                .mapToLong(Member::timeline).max().orElse(0);
        // A primary that re-took the key on an older timeline than a running member's (Patroni 3.0.2
        // lets a thawed frozen leader do that) is stale until the others have rejoined its history.
        // A freshly promoted leader still publishing its replica data is not judged by that data.
        boolean stale = leader.role() == Role.PRIMARY && leader.timeline() > 0 && leader.timeline() < ahead;
        String report = leader.name() + "@" + leader.timeline();
        if (stale) {
            if (!report.equals(reportedStaleLeader)) {
                reportedStaleLeader = report;
                metrics.staleLeader();
                log.error("leader {} is on timeline {}, behind timeline {} of a running member in cluster {}:"
                        + " not routing writes to it", leader.name(), leader.timeline(), ahead, topology.cluster());
            }
            return Optional.empty();
        }
        if (report.equals(reportedStaleLeader)) {
            reportedStaleLeader = null;
            log.warn("leader {} on timeline {} is trusted again: no running member is ahead of it any more"
                    + " (writes acknowledged on the newer timeline are gone)", leader.name(), leader.timeline());
        }
        return holder;
    }

    private boolean fitForReads(Member replica) {
        RoutingSettings settings = this.settings;
        boolean lagOk = replica.lagBytes() < 0 || replica.lagBytes() <= settings.maxLagBytes();
        return lagOk && !"true".equalsIgnoreCase(replica.tags().getOrDefault("noloadbalance", "false"));
    }

    public RoutingView view() {
        return view;
    }

    /** Whether {@code node} takes new work for the primary port now. */
    public boolean isPrimary(String node) {
        return view.primary().map(m -> m.name().equals(node)).orElse(false);
    }

    public Duration connectWaitTimeout() {
        return settings.connectWaitTimeout();
    }

    /**
     * Candidates for a piece of work — a transaction in transaction mode, the whole client in
     * session mode — in the order to try them; never empty. Each call moves the replicas' turn.
     */
    public List<Member> candidates(ListenerRole role) throws NoServerAvailableException {
        return candidates(role, nextReplica.getAndIncrement());
    }

    /**
     * Candidates for a transaction-mode login, which holds a server only to learn its parameters:
     * the replica whose turn it is first, without moving the turn. The login's connection then
     * waits idle where the client's first transaction is likely to go.
     */
    public List<Member> candidatesForLogin(ListenerRole role) throws NoServerAvailableException {
        return candidates(role, nextReplica.get());
    }

    private List<Member> candidates(ListenerRole role, int turn) throws NoServerAvailableException {
        RoutingView current = view;
        RoutingSettings settings = this.settings;
        String cluster = current.topology().cluster();
        if (role == ListenerRole.PRIMARY) {
            return List.of(current.primary().orElseThrow(() -> new NoServerAvailableException(
                    "no primary is available in cluster \"" + cluster + "\"")));
        }
        List<Member> replicas = current.readable();
        List<Member> ordered = new ArrayList<>(replicas.size() + 1);
        if (!replicas.isEmpty()) {
            int start = Math.floorMod(turn, replicas.size());
            for (int i = 0; i < replicas.size(); i++) {
                ordered.add(replicas.get((start + i) % replicas.size()));
            }
        }
        if (settings.replicaFallbackToPrimary()) {
            current.primary().ifPresent(ordered::add);
        }
        if (ordered.isEmpty()) {
            throw new NoServerAvailableException("no healthy replica is available in cluster \"" + cluster + "\""
                    + (settings.replicaFallbackToPrimary() ? " and no primary either" : ""));
        }
        return ordered;
    }

    public boolean allowsReadsFrom(String node) {
        RoutingView current = view;
        RoutingSettings settings = this.settings;
        return current.isReadable(node)
                || settings.replicaFallbackToPrimary() && current.primary().map(m -> m.name().equals(node)).orElse(false);
    }

    /**
     * Completes on {@code loop} once a primary can take new work, or fails after
     * {@code connect_wait_timeout}: what holds clients through a switchover instead of failing them.
     */
    public Future<Void> awaitPrimary(EventLoop loop) {
        Promise<Void> promise = loop.newPromise();
        synchronized (primaryWaiters) {
            if (view.primary().isPresent()) {
                promise.setSuccess(null);
                return promise;
            }
            primaryWaiters.add(promise);
        }
        long timeout = this.settings.connectWaitTimeout().toMillis();
        loop.schedule(() -> {
            synchronized (primaryWaiters) {
                primaryWaiters.remove(promise);
            }
            promise.tryFailure(new NoServerAvailableException("no primary became available in cluster \""
                    + view.topology().cluster() + "\" within connect_wait_timeout (" + timeout + " ms)"));
        }, timeout, TimeUnit.MILLISECONDS);
        return promise;
    }
}
