package io.pgwarden.agent.loop;

import io.pgwarden.discovery.patroni.PatroniCluster;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything one loop decides on: the cluster as etcd last told it, this node's PostgreSQL, and the
 * clocks. Built fresh by the agent for each loop; the decision is a pure function of it.
 *
 * @param me                   this member's name
 * @param mayBePromoted        not tagged nofailover, failover_priority above 0
 * @param cluster              the last read, empty when etcd did not answer this loop
 * @param local                this node's PostgreSQL
 * @param sinceRenewal         time since the send of the last successful lease renewal (or grant);
 *                             meaningful while this node runs a primary
 * @param leaderLeaseRemaining seconds the current leader's lease has left, when read this loop
 * @param timing               ttl, loop_wait, retry_timeout in force
 * @param maximumLagOnFailover bytes behind the last leader position a candidate may be
 * @param syncMode             synchronous_mode in force
 * @param now                  the wall clock, for scheduled switchovers
 */
public record Observation(String me, boolean mayBePromoted, Optional<PatroniCluster> cluster, LocalState local,
                         java.time.Duration sinceRenewal, OptionalLong leaderLeaseRemaining, Timing timing,
                         long maximumLagOnFailover, SyncMode syncMode, java.time.Instant now) {

    public Observation(String me, boolean mayBePromoted, Optional<PatroniCluster> cluster, LocalState local,
                       java.time.Duration sinceRenewal, OptionalLong leaderLeaseRemaining, Timing timing,
                       long maximumLagOnFailover, SyncMode syncMode) {
        this(me, mayBePromoted, cluster, local, sinceRenewal, leaderLeaseRemaining, timing, maximumLagOnFailover,
                syncMode, java.time.Instant.now());
    }

    /** The switchover or failover request that is due now, if any (one whose time cannot be read is due). */
    public Optional<io.pgwarden.discovery.patroni.Failover> dueRequest() {
        return cluster.flatMap(io.pgwarden.discovery.patroni.PatroniCluster::failover).filter(f -> {
            try {
                return f.scheduledInstant().map(at -> !at.isAfter(now)).orElse(true);
            } catch (IllegalArgumentException e) {
                return true;
            }
        });
    }

    public boolean pastRenewDeadline() {
        return sinceRenewal.compareTo(timing.renewDeadline()) >= 0;
    }
}
