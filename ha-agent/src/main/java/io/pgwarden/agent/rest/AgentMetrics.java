package io.pgwarden.agent.rest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The agent's meters. Gauges read the latest {@link NodeStatus} at scrape time; counters count the
 * loop's events, reported through the methods below. Prometheus names: gauges as named here,
 * counters with {@code _total} appended by the registry.
 */
public final class AgentMetrics {

    /** The roles {@code pgwarden_agent_role} has a series for, one of them 1 at a time. */
    static final List<String> ROLES = List.of(NodeStatus.PRIMARY, NodeStatus.REPLICA, NodeStatus.STANDBY_LEADER,
            NodeStatus.UNINITIALIZED);

    private final PrometheusMeterRegistry registry;
    private final Supplier<NodeStatus> status;
    private final Clock clock;
    private final Counter leaseRenewals;
    private final Counter leaseRenewalFailures;
    private final Counter elections;
    private final Counter promotions;

    public AgentMetrics(PrometheusMeterRegistry registry, Supplier<NodeStatus> status) {
        this(registry, status, Clock.systemUTC());
    }

    public AgentMetrics(PrometheusMeterRegistry registry, Supplier<NodeStatus> status, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.status = Objects.requireNonNull(status, "status");
        this.clock = Objects.requireNonNull(clock, "clock");

        for (String role : ROLES) {
            gauge("pgwarden_agent_role", "1 for the role PostgreSQL has on this node, 0 for the others",
                    s -> role.equals(s.role()) ? 1 : 0, "role", role);
        }
        gauge("pgwarden_agent_leader", "1 while this agent holds the leader key", s -> s.holdsLeaderKey() ? 1 : 0);
        gauge("pgwarden_agent_postgres_running", "1 while PostgreSQL is running", s -> s.running() ? 1 : 0);
        gauge("pgwarden_agent_timeline", "PostgreSQL's timeline; NaN when unknown",
                s -> s.timeline() == null ? Double.NaN : s.timeline());
        gauge("pgwarden_agent_lag_bytes", "Bytes replayed behind the leader's last known position; NaN when unknown",
                s -> s.lagBytes() == null ? Double.NaN : s.lagBytes());
        gauge("pgwarden_agent_paused", "1 while the cluster is in maintenance mode", s -> s.paused() ? 1 : 0);
        gauge("pgwarden_agent_pending_restart", "1 when a changed setting waits for a restart",
                s -> s.pendingRestart() ? 1 : 0);
        // Grows without bound when the loop is stuck: the signal /liveness turns into a 503.
        gauge("pgwarden_agent_status_age_seconds", "Seconds since the agent's loop last published its status",
                s -> Duration.between(s.takenAt(), this.clock.instant()).toMillis() / 1000.0);

        leaseRenewals = counter("pgwarden_agent_lease_renewals", "Leader key lease renewals that succeeded");
        leaseRenewalFailures = counter("pgwarden_agent_lease_renewal_failures", "Leader key lease renewals that failed");
        elections = counter("pgwarden_agent_elections", "Leader races this agent won");
        promotions = counter("pgwarden_agent_promotions", "Promotions of the local PostgreSQL to primary");
    }

    public void leaseRenewed() {
        leaseRenewals.increment();
    }

    public void leaseRenewalFailed() {
        leaseRenewalFailures.increment();
    }

    public void electionWon() {
        elections.increment();
    }

    public void promoted() {
        promotions.increment();
    }

    /**
     * Counts a demotion of the local primary.
     *
     * @param reason a short fixed word ({@code switchover}, {@code lost_lease}, {@code stale_timeline}, ...):
     *               each distinct value is its own series, so never a message or a name
     */
    public void demoted(String reason) {
        Counter.builder("pgwarden_agent_demotions")
                .description("Demotions of the local primary, by reason")
                .tag("reason", reason)
                .register(registry) // registration is idempotent: the same counter per reason
                .increment();
    }

    private void gauge(String name, String description, ToDoubleFunction<NodeStatus> value, String... tags) {
        // The meter holds this object strongly: a gauge on a short-lived lambda would read NaN once collected.
        Gauge.builder(name, this, metrics -> value.applyAsDouble(metrics.status.get()))
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }
}
