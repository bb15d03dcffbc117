package io.pgwarden.agent.control;

import io.pgwarden.agent.loop.Timing;
import io.pgwarden.agent.postgres.PostgresException;
import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.agent.postgres.StopMode;
import io.pgwarden.agent.rest.NodeStatus;
import io.pgwarden.discovery.patroni.PatroniCluster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's side of the control requests: between two cycles of the HA loop, on its thread, it restarts
 * PostgreSQL or throws a replica's data away for the next cycle to clone again. It decides from the
 * snapshot the last cycle published, which is this agent's own current view: nothing else changes
 * PostgreSQL or the leader key while it runs.
 */
public final class ControlExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(ControlExecutor.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final PostgresServer postgres;
    private final Supplier<NodeStatus> status;
    private final Supplier<Timing> timing;
    private final PendingRequests pending;
    private final RestartSchedule schedule;
    private final Duration defaultStartTimeout;
    private final Clock clock;
    /** Shown as the node's state while it lasts ({@code restarting}, {@code creating replica}); null otherwise. */
    private final AtomicReference<InProgress> inProgress = new AtomicReference<>();

    private record InProgress(String state, Instant since) {
    }

    /**
     * @param status              the agent's latest snapshot (not one {@link #overlay overlaid})
     * @param defaultStartTimeout how long a restarted PostgreSQL may take to come up when the request says not
     */
    public ControlExecutor(PostgresServer postgres, Supplier<NodeStatus> status, Supplier<Timing> timing,
                           PendingRequests pending, RestartSchedule schedule, Duration defaultStartTimeout, Clock clock) {
        this.postgres = postgres;
        this.status = status;
        this.timing = timing;
        this.pending = pending;
        this.schedule = schedule;
        this.defaultStartTimeout = defaultStartTimeout;
        this.clock = clock;
    }

    /** On the loop's thread, before each cycle: what the REST API asked for, then a scheduled restart that is due. */
    public void beforeCycle() {
        settle(status.get());
        pending.runAll(this::execute);
        NodeStatus s = status.get();
        if (s.paused()) {
            return; // as in Patroni: a scheduled restart waits while the cluster is paused
        }
        Duration window = timing.get().loopWait();
        schedule.takeIfDue(clock.instant(), window, s.postmasterStartTime()).ifPresent(due -> {
            Duration wait = Duration.between(clock.instant(), due.at().toInstant());
            if (!wait.isNegative()) {
                sleep(wait);
            }
            LOG.info("Running the restart scheduled at {}", due.at());
            ControlResult result = restart(due.request().immediate());
            LOG.info("Scheduled restart: {}", result.body());
        });
    }

    /** The snapshot as the REST API shows it: in the middle of a restart or a reinitialization, says so. */
    public NodeStatus overlay(NodeStatus snapshot) {
        InProgress current = settle(snapshot);
        return current == null ? snapshot : snapshot.toBuilder().state(current.state()).build();
    }

    /** What is still in progress, once a reinitialized node runs again (seen in a snapshot taken since). */
    private InProgress settle(NodeStatus snapshot) {
        InProgress current = inProgress.get();
        if (current != null && snapshot.takenAt() != null && snapshot.takenAt().isAfter(current.since())
                && NodeStatus.RUNNING.equals(snapshot.state()) && !NodeStatus.UNINITIALIZED.equals(snapshot.role())) {
            inProgress.compareAndSet(current, null);
            return null;
        }
        return current;
    }

    ControlResult execute(ControlRequest request) {
        if (request instanceof ControlRequest.Restart r) {
            return restart(r.conditions());
        }
        if (request instanceof ControlRequest.Reinitialize r) {
            return reinitialize(r.force());
        }
        if (request instanceof ControlRequest.Reload r) {
            r.apply().run();
            return ControlResult.text(202, "reload scheduled");
        }
        throw new IllegalArgumentException("unknown request " + request);
    }

    private ControlResult restart(RestartRequest request) {
        NodeStatus s = status.get();
        if (NodeStatus.UNINITIALIZED.equals(s.role()) || !postgres.hasDataDirectory()) {
            return ControlResult.text(503, "restart failed: this node has no data yet");
        }
        InProgress current = inProgress.get();
        if (current != null && "creating replica".equals(current.state())) {
            return ControlResult.text(503, "reinitialize already in progress");
        }
        String role = postgres.isRunning() && NodeStatus.PRIMARY.equals(s.role()) ? "primary" : "replica";
        Optional<String> mismatch = request.mismatch(role, s.serverVersion(), s.pendingRestart());
        if (mismatch.isPresent()) {
            LOG.info("Not restarting: {}", mismatch.get());
            return ControlResult.text(503, "restart conditions are not satisfied");
        }
        Duration startTimeout = request.timeout().orElse(defaultStartTimeout);
        InProgress restarting = new InProgress("restarting", clock.instant());
        inProgress.set(restarting);
        LOG.info("Restarting PostgreSQL ({}, start timeout {} s)", role, startTimeout.toSeconds());
        try {
            postgres.stop(StopMode.FAST, STOP_TIMEOUT);
            postgres.start(startTimeout);
            LOG.info("PostgreSQL restarted");
            return ControlResult.text(200, "restarted successfully");
        } catch (PostgresException e) {
            // The loop takes it from here: a key holder's crashed primary is started again or given up.
            LOG.warn("Restart failed: {}", e.getMessage());
            return ControlResult.text(503, "restart failed");
        } finally {
            inProgress.compareAndSet(restarting, null); // done either way: the next snapshot shows the outcome
        }
    }

    private ControlResult reinitialize(boolean force) {
        NodeStatus s = status.get();
        Optional<PatroniCluster> cluster = s.cluster();
        Optional<String> leader = cluster.flatMap(PatroniCluster::leader);
        if (leader.isEmpty()) {
            return ControlResult.text(503, "Cluster has no leader, can not reinitialize");
        }
        if (leader.get().equals(s.name()) || s.holdsLeaderKey()) {
            return ControlResult.text(503, "I am the leader, can not reinitialize");
        }
        InProgress current = inProgress.get();
        if (current != null && !force) {
            return ControlResult.text(503, ("restarting".equals(current.state()) ? "restart" : "reinitialize")
                    + " already in progress");
        }
        LOG.warn("Reinitializing: stopping PostgreSQL and removing {} to clone it again from the cluster",
                postgres.dataDirectory());
        inProgress.set(new InProgress("creating replica", clock.instant()));
        postgres.stop(StopMode.IMMEDIATE, timing.get().retryTimeout());
        postgres.removeDataDirectory();
        return ControlResult.text(200, "reinitialize started");
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
