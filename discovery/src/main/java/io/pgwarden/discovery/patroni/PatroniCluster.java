package io.pgwarden.discovery.patroni;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything under one cluster's prefix, decoded: what Patroni's {@code Cluster} holds. Keys whose
 * value cannot be read are left out and named in {@link #problems()}, as Patroni treats them as
 * absent; one bad key never hides the others.
 *
 * @param leader        value of {@code leader}: the name of the member holding the leader lock
 * @param members       {@code members/<name>}, by name
 * @param failover      a pending request in {@code failover}; empty when none (also for {@code {}})
 * @param history       {@code history}; empty when the key is absent, an empty list for {@code []}
 * @param leaderOptime  the legacy {@code optime/leader} value
 * @param initialize    the system identifier in {@code initialize}
 * @param problems      one line per key that could not be read
 */
public record PatroniCluster(Optional<String> leader, SortedMap<String, MemberData> members,
                             Optional<ClusterConfig> config, Optional<Failover> failover, Optional<Status> status,
                             OptionalLong leaderOptime, Optional<SyncState> sync,
                             Optional<List<HistoryEntry>> history, Optional<String> initialize,
                             List<String> problems) {

    public PatroniCluster {
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(leaderOptime, "leaderOptime");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(initialize, "initialize");
        members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
        problems = List.copyOf(problems);
    }

    /**
     * Decodes the keys of one cluster. Keys outside {@code keys.prefix()} and keys Patroni does not
     * read here ({@code failsafe}, anything deeper under {@code members/}) are ignored.
     *
     * @param kvs full key to value, as the store holds them
     */
    public static PatroniCluster decode(PatroniKeys keys, Map<String, String> kvs, PatroniJson json) {
        Optional<String> leader = Optional.empty();
        SortedMap<String, MemberData> members = new TreeMap<>();
        Optional<ClusterConfig> config = Optional.empty();
        Optional<Failover> failover = Optional.empty();
        Optional<Status> status = Optional.empty();
        OptionalLong leaderOptime = OptionalLong.empty();
        Optional<SyncState> sync = Optional.empty();
        Optional<List<HistoryEntry>> history = Optional.empty();
        Optional<String> initialize = Optional.empty();
        List<String> problems = new ArrayList<>();

        for (Map.Entry<String, String> kv : new TreeMap<>(kvs).entrySet()) {
            Optional<String> relative = keys.relative(kv.getKey());
            if (relative.isEmpty()) {
                continue;
            }
            String value = kv.getValue();
            String name = relative.get();
            try {
                switch (name) {
                    case PatroniKeys.LEADER -> leader = Optional.of(value.strip()).filter(s -> !s.isEmpty());
                    case PatroniKeys.CONFIG -> config = Optional.of(json.readConfig(value));
                    case PatroniKeys.FAILOVER -> failover = json.readFailover(value);
                    case PatroniKeys.STATUS -> status = Optional.of(json.readStatus(value));
                    case PatroniKeys.LEADER_OPTIME -> leaderOptime = OptionalLong.of(Lsn.parse(value));
                    case PatroniKeys.SYNC -> sync = Optional.of(json.readSync(value));
                    case PatroniKeys.HISTORY -> history = Optional.of(json.readHistory(value));
                    case PatroniKeys.INITIALIZE -> initialize = Optional.of(value);
                    default -> keys.memberName(kv.getKey()).ifPresent(m -> members.put(m, json.readMember(value)));
                }
            } catch (RuntimeException e) {
                problems.add(kv.getKey() + ": " + e.getMessage());
            }
        }
        return new PatroniCluster(leader, members, config, failover, status, leaderOptime, sync, history, initialize,
                problems);
    }

    /** The leader's member data, if the leader key is held and its holder has a member key. */
    public Optional<MemberData> leaderMember() {
        return leader.map(members::get);
    }

    /** Maintenance mode: {@code "pause": true} in {@code config}. */
    public boolean paused() {
        return config.map(ClusterConfig::pause).orElse(false);
    }

    /** The leader's last known WAL position: {@code status.optime}, else the legacy {@code optime/leader}. */
    public OptionalLong lastLeaderLsn() {
        Optional<Long> optime = status.map(Status::optime);
        return optime.isPresent() ? OptionalLong.of(optime.get()) : leaderOptime;
    }

    /**
     * The cluster's timeline by its history, as Patroni computes it: the last line's timeline + 1, 1 for
     * an empty history, 0 (unknown) without one.
     */
    public long historyTimeline() {
        return history.map(h -> h.isEmpty() ? 1L : h.get(h.size() - 1).timeline() + 1).orElse(0L);
    }
}
