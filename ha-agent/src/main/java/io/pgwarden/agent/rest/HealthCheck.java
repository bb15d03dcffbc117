package io.pgwarden.agent.rest;

import io.pgwarden.discovery.patroni.ClusterConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Patroni's health-check endpoints and when each answers 200 (else 503): what HAProxy and Kubernetes
 * read. Decided from the snapshot alone. Stricter than Patroni in two places, both so that a load
 * balancer never sends writes to a stopped server: the primary checks need PostgreSQL running (Patroni
 * only asks for the leader key), and a lag limit fails when the lag is unknown (Patroni passes it).
 */
enum HealthCheck {
    /** {@code /}, {@code /primary}, {@code /read-write}, {@code /master}: the running primary holding the key. */
    PRIMARY(false, true),
    /** The key holder, whatever PostgreSQL does. */
    LEADER(false, true),
    /** The key holder of a standby cluster. */
    STANDBY_LEADER(false, true),
    /** A running replica without {@code noloadbalance}, within {@code ?lag=}, in {@code ?replication_state=}. */
    REPLICA(true, true),
    /** {@link #REPLICA}, or a leader. */
    READ_ONLY(true, true),
    /** {@link #REPLICA} and a synchronous standby. */
    SYNCHRONOUS(true, true),
    /** {@link #SYNCHRONOUS}, or a leader. */
    READ_ONLY_SYNC(true, true),
    /** {@link #REPLICA} and not a synchronous standby. */
    ASYNCHRONOUS(true, true),
    /** PostgreSQL runs. */
    HEALTH(true, true),
    /** The agent's loop still publishes snapshots (or the cluster is paused). */
    LIVENESS(false, false),
    /** A running leader, or a streaming replica within {@code ?lag=} (default {@code maximum_lag_on_failover}). */
    READINESS(false, false);

    /** Patroni's default {@code maximum_lag_on_failover}. */
    static final long DEFAULT_MAXIMUM_LAG = 1_048_576L;

    private static final Map<String, HealthCheck> PATHS = Map.ofEntries(
            Map.entry("/", PRIMARY), Map.entry("/primary", PRIMARY), Map.entry("/read-write", PRIMARY),
            Map.entry("/master", PRIMARY),
            Map.entry("/leader", LEADER),
            Map.entry("/standby-leader", STANDBY_LEADER), Map.entry("/standby_leader", STANDBY_LEADER),
            Map.entry("/replica", REPLICA),
            Map.entry("/read-only", READ_ONLY),
            Map.entry("/sync", SYNCHRONOUS), Map.entry("/synchronous", SYNCHRONOUS),
            Map.entry("/read-only-sync", READ_ONLY_SYNC), Map.entry("/read-only-synchronous", READ_ONLY_SYNC),
            Map.entry("/async", ASYNCHRONOUS), Map.entry("/asynchronous", ASYNCHRONOUS),
            Map.entry("/health", HEALTH),
            Map.entry("/liveness", LIVENESS),
            Map.entry("/readiness", READINESS));

    private final boolean honoursTags;
    private final boolean statusBody;

    HealthCheck(boolean honoursTags, boolean statusBody) {
        this.honoursTags = honoursTags;
        this.statusBody = statusBody;
    }

    static Optional<HealthCheck> forPath(String path) {
        return Optional.ofNullable(PATHS.get(path));
    }

    /** Whether a GET answers with the node's status JSON, as Patroni's health checks do (its probes do not). */
    boolean statusBody() {
        return statusBody;
    }

    /**
     * 200 or 503.
     *
     * @throws BadQueryException if {@code ?lag=} is not a byte size
     */
    int statusCode(NodeStatus s, Query query, Instant now) {
        boolean ok = passes(s, query, now) && (!honoursTags || tagsMatch(s, query));
        return ok ? 200 : 503;
    }

    private boolean passes(NodeStatus s, Query query, Instant now) {
        return switch (this) {
            case PRIMARY -> primary(s);
            case LEADER -> s.holdsLeaderKey();
            case STANDBY_LEADER -> standbyLeader(s);
            case REPLICA -> replica(s, query);
            case READ_ONLY -> primary(s) || standbyLeader(s) || replica(s, query);
            // Like Patroni, the sync checks want a read of the cluster: without one nobody knows who is sync.
            case SYNCHRONOUS -> s.cluster().isPresent() && s.synchronousStandby() && replica(s, query);
            case READ_ONLY_SYNC -> primary(s) || standbyLeader(s)
                    || s.cluster().isPresent() && s.synchronousStandby() && replica(s, query);
            case ASYNCHRONOUS -> s.cluster().isPresent() && !s.synchronousStandby() && replica(s, query);
            case HEALTH -> s.running();
            case LIVENESS -> s.paused() || Duration.between(s.takenAt(), now).compareTo(s.livenessTimeout()) <= 0;
            case READINESS -> readiness(s, query);
        };
    }

    private static boolean primary(NodeStatus s) {
        return s.holdsLeaderKey() && s.running() && NodeStatus.PRIMARY.equals(s.role());
    }

    private static boolean standbyLeader(NodeStatus s) {
        return s.holdsLeaderKey() && s.running() && NodeStatus.STANDBY_LEADER.equals(s.role());
    }

    private static boolean replica(NodeStatus s, Query query) {
        return s.running() && NodeStatus.REPLICA.equals(s.role()) && !s.tag("noloadbalance")
                && query.get("lag").map(ByteSize::parseQuery).map(max -> lagWithin(s, max)).orElse(true)
                && query.get("replication_state").map(wanted -> wanted.equals(s.replicationState())).orElse(true);
    }

    private static boolean readiness(NodeStatus s, Query query) {
        if (s.holdsLeaderKey()) {
            return s.running();
        }
        long max = query.get("lag").map(ByteSize::parseQuery).orElseGet(() -> s.cluster()
                .flatMap(c -> c.config()).map(ClusterConfig::maximumLagOnFailover).orElse(DEFAULT_MAXIMUM_LAG));
        return s.running() && "streaming".equals(s.replicationState()) && lagWithin(s, max);
    }

    private static boolean lagWithin(NodeStatus s, long max) {
        return s.lagBytes() != null && s.lagBytes() <= max;
    }

    /**
     * Every {@code ?tag_<name>=<value>} must name a tag of this node with that value; non-text tag values
     * compare as Python prints them lower-cased ({@code true}, {@code 5}), as Patroni does.
     */
    private static boolean tagsMatch(NodeStatus s, Query query) {
        for (Map.Entry<String, String> p : query.parameters().entrySet()) {
            if (!p.getKey().startsWith("tag_")) {
                continue;
            }
            Object value = s.tags().get(p.getKey().substring("tag_".length()));
            if (value == null) {
                return false;
            }
            String text = value instanceof String str ? str : String.valueOf(value).toLowerCase(java.util.Locale.ROOT);
            if (!text.equals(p.getValue())) {
                return false;
            }
        }
        return true;
    }
}
