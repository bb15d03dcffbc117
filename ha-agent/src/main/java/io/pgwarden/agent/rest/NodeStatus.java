package io.pgwarden.agent.rest;

import io.pgwarden.discovery.patroni.PatroniCluster;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent knew at the end of one loop: the snapshot every REST endpoint and gauge answers
 * from. The agent publishes a new one after each loop (one volatile reference); nothing here is
 * looked up on request. Nullable components are "unknown" (PostgreSQL not running, not asked yet);
 * build one with {@link #builder(String, String)} or {@link #starting(String, String, String)}.
 *
 * @param name                     the member name
 * @param scope                    the cluster name
 * @param agentVersion             shown as {@code patroni.version} in {@code /patroni}
 * @param role                     {@link #PRIMARY}, {@link #REPLICA}, {@link #STANDBY_LEADER} or
 *                                 {@link #UNINITIALIZED}, as Patroni spells it
 * @param state                    PostgreSQL's state as Patroni names it: {@link #RUNNING}, {@code starting},
 *                                 {@code stopped}, {@code crashed}, {@code creating replica}, {@code restarting}, ...
 * @param holdsLeaderKey           this agent holds the leader key
 * @param serverVersion            PostgreSQL's {@code server_version_num}, e.g. 150005
 * @param postmasterStartTime      {@code pg_postmaster_start_time()}
 * @param timeline                 PostgreSQL's current timeline
 * @param xlogLocation             on a primary: the flushed WAL position, bytes
 * @param receiveLsn               on a replica: the received WAL position, bytes
 * @param replayLsn                on a replica: the replayed WAL position, bytes
 * @param replayedTimestamp        on a replica: {@code pg_last_xact_replay_timestamp()}
 * @param replayPaused             on a replica: {@code pg_is_wal_replay_paused()}
 * @param replicationState         on a replica: {@code streaming} or {@code in archive recovery}
 * @param tags                     this member's tags ({@code nofailover}, {@code noloadbalance}, ...)
 * @param paused                   the cluster is in maintenance mode
 * @param pendingRestart           a changed setting needs a restart
 * @param synchronousStandby       this member is named in the {@code sync} key (and synchronous mode is on)
 * @param lagBytes                 how far its replayed position is behind the leader's last known position;
 *                                 0 on the primary; null when unknown
 * @param replication              the standbys streaming from it (primary only)
 * @param dcsLastSeen              when etcd last answered
 * @param databaseSystemIdentifier from {@code pg_control_system()}, if known
 * @param cluster                  the agent's last read of the cluster's keys; empty before the first
 * @param takenAt                  when the loop that made this snapshot ended
 * @param livenessTimeout          {@code /liveness} fails once the snapshot is older than this (e.g. ttl on a
 *                                 primary, 2 × ttl on a replica, as Patroni does)
 */
public record NodeStatus(String name, String scope, String agentVersion, String role, String state,
                         boolean holdsLeaderKey, Integer serverVersion, Instant postmasterStartTime, Long timeline,
                         Long xlogLocation, Long receiveLsn, Long replayLsn, Instant replayedTimestamp,
                         boolean replayPaused, String replicationState, Map<String, Object> tags, boolean paused,
                         boolean pendingRestart, boolean synchronousStandby, Long lagBytes,
                         List<ReplicationInfo> replication, Instant dcsLastSeen, String databaseSystemIdentifier,
                         Optional<PatroniCluster> cluster, Instant takenAt, Duration livenessTimeout) {

    public static final String PRIMARY = "primary";
    public static final String REPLICA = "replica";
    public static final String STANDBY_LEADER = "standby_leader";
    public static final String UNINITIALIZED = "uninitialized";

    public static final String RUNNING = "running";
    public static final String STARTING = "starting";
    public static final String STOPPED = "stopped";

    /** Patroni's default ttl: a loop silent for this long is surely stuck. */
    public static final Duration DEFAULT_LIVENESS_TIMEOUT = Duration.ofSeconds(30);

    public NodeStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(agentVersion, "agentVersion");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(livenessTimeout, "livenessTimeout");
        // Patroni's order kept (Map.copyOf would lose it); JSON null values allowed.
        tags = tags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        replication = replication == null ? List.of() : List.copyOf(replication);
    }

    /** What the API serves before the agent's first loop ends: nothing known, PostgreSQL not running. */
    public static NodeStatus starting(String name, String scope, String agentVersion) {
        return builder(name, scope).agentVersion(agentVersion).build();
    }

    /** A builder with everything unknown: role {@link #UNINITIALIZED}, state {@link #STOPPED}, taken now. */
    public static Builder builder(String name, String scope) {
        return new Builder(name, scope);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public boolean running() {
        return RUNNING.equals(state);
    }

    /**
     * A boolean tag, read as Patroni reads {@code nofailover}/{@code noloadbalance}: {@code true}, or the
     * text {@code true}/{@code yes}/{@code on}/{@code 1}, or a non-zero number.
     */
    public boolean tag(String tag) {
        Object value = tags.get(tag);
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                default -> false;
            };
        }
        return value instanceof Number n && n.doubleValue() != 0;
    }

    /** Collects the components; unset ones stay unknown. Not thread-safe. */
    public static final class Builder {
        private String name;
        private String scope;
        private String agentVersion = "unknown";
        private String role = UNINITIALIZED;
        private String state = STOPPED;
        private boolean holdsLeaderKey;
        private Integer serverVersion;
        private Instant postmasterStartTime;
        private Long timeline;
        private Long xlogLocation;
        private Long receiveLsn;
        private Long replayLsn;
        private Instant replayedTimestamp;
        private boolean replayPaused;
        private String replicationState;
        private Map<String, Object> tags = Map.of();
        private boolean paused;
        private boolean pendingRestart;
        private boolean synchronousStandby;
        private Long lagBytes;
        private List<ReplicationInfo> replication = List.of();
        private Instant dcsLastSeen;
        private String databaseSystemIdentifier;
        private Optional<PatroniCluster> cluster = Optional.empty();
        private Instant takenAt = Instant.now();
        private Duration livenessTimeout = DEFAULT_LIVENESS_TIMEOUT;

        private Builder(String name, String scope) {
            this.name = name;
            this.scope = scope;
        }

        private Builder(NodeStatus s) {
            name = s.name;
            scope = s.scope;
            agentVersion = s.agentVersion;
            role = s.role;
            state = s.state;
            holdsLeaderKey = s.holdsLeaderKey;
            serverVersion = s.serverVersion;
            postmasterStartTime = s.postmasterStartTime;
            timeline = s.timeline;
            xlogLocation = s.xlogLocation;
            receiveLsn = s.receiveLsn;
            replayLsn = s.replayLsn;
            replayedTimestamp = s.replayedTimestamp;
            replayPaused = s.replayPaused;
            replicationState = s.replicationState;
            tags = s.tags;
            paused = s.paused;
            pendingRestart = s.pendingRestart;
            synchronousStandby = s.synchronousStandby;
            lagBytes = s.lagBytes;
            replication = s.replication;
            dcsLastSeen = s.dcsLastSeen;
            databaseSystemIdentifier = s.databaseSystemIdentifier;
            cluster = s.cluster;
            takenAt = s.takenAt;
            livenessTimeout = s.livenessTimeout;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder scope(String value) {
            scope = value;
            return this;
        }

        public Builder agentVersion(String value) {
            agentVersion = value;
            return this;
        }

        public Builder role(String value) {
            role = value;
            return this;
        }

        public Builder state(String value) {
            state = value;
            return this;
        }

        public Builder holdsLeaderKey(boolean value) {
            holdsLeaderKey = value;
            return this;
        }

        public Builder serverVersion(Integer value) {
            serverVersion = value;
            return this;
        }

        public Builder postmasterStartTime(Instant value) {
            postmasterStartTime = value;
            return this;
        }

        public Builder timeline(Long value) {
            timeline = value;
            return this;
        }

        public Builder xlogLocation(Long value) {
            xlogLocation = value;
            return this;
        }

        public Builder receiveLsn(Long value) {
            receiveLsn = value;
            return this;
        }

        public Builder replayLsn(Long value) {
            replayLsn = value;
            return this;
        }

        public Builder replayedTimestamp(Instant value) {
            replayedTimestamp = value;
            return this;
        }

        public Builder replayPaused(boolean value) {
            replayPaused = value;
            return this;
        }

        public Builder replicationState(String value) {
            replicationState = value;
            return this;
        }

        public Builder tags(Map<String, Object> value) {
            tags = value;
            return this;
        }

        public Builder paused(boolean value) {
            paused = value;
            return this;
        }

        public Builder pendingRestart(boolean value) {
            pendingRestart = value;
            return this;
        }

        public Builder synchronousStandby(boolean value) {
            synchronousStandby = value;
            return this;
        }

        public Builder lagBytes(Long value) {
            lagBytes = value;
            return this;
        }

        public Builder replication(List<ReplicationInfo> value) {
            replication = value;
            return this;
        }

        public Builder dcsLastSeen(Instant value) {
            dcsLastSeen = value;
            return this;
        }

        public Builder databaseSystemIdentifier(String value) {
            databaseSystemIdentifier = value;
            return this;
        }

        public Builder cluster(PatroniCluster value) {
            cluster = Optional.ofNullable(value);
            return this;
        }

        public Builder takenAt(Instant value) {
            takenAt = value;
            return this;
        }

        public Builder livenessTimeout(Duration value) {
            livenessTimeout = value;
            return this;
        }

        public NodeStatus build() {
            return new NodeStatus(name, scope, agentVersion, role, state, holdsLeaderKey, serverVersion,
                    postmasterStartTime, timeline, xlogLocation, receiveLsn, replayLsn, replayedTimestamp, replayPaused,
                    replicationState, tags, paused, pendingRestart, synchronousStandby, lagBytes, replication,
                    dcsLastSeen, databaseSystemIdentifier, cluster, takenAt, livenessTimeout);
        }
    }
}
