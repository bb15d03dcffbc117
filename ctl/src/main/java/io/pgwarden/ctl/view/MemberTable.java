package io.pgwarden.ctl.view;

import io.pgwarden.discovery.patroni.ConnUrl;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.SyncState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The members of a cluster as {@code list} and {@code topology} show them: name, host, role (Leader,
 * Standby Leader, Sync Standby, Replica), state, timeline and lag behind the leader in MB, plus
 * pending and scheduled restarts and tags when any member has them; and the lines under the table
 * (maintenance mode, a scheduled switchover).
 */
public final class MemberTable {

    public static final String CLUSTER = "Cluster";
    public static final String MEMBER = "Member";
    public static final String HOST = "Host";
    public static final String ROLE = "Role";
    public static final String STATE = "State";
    public static final String TL = "TL";
    public static final String LAG = "Lag in MB";
    public static final String PENDING_RESTART = "Pending restart";
    public static final String SCHEDULED_RESTART = "Scheduled restart";
    public static final String TAGS = "Tags";

    private static final long MB = 1024 * 1024;

    private MemberTable() {
    }

    /**
     * @param tree     order members as a tree under the leader (replicas by their {@code replicatefrom}
     *                 tag), names indented as {@code + name}: the topology command
     * @param extended show the restart and tag columns even when no member has them
     */
    public static Table of(String scope, PatroniCluster cluster, boolean tree, boolean extended) {
        Optional<String> leader = cluster.leader().filter(cluster.members()::containsKey);
        Set<String> sync = new HashSet<>(cluster.sync().map(SyncState::syncStandbys).orElse(List.of()));
        long leaderLsn = leaderLsn(cluster, leader);
        boolean standbyCluster = cluster.config().map(c -> c.other().get("standby_cluster") != null).orElse(false);

        List<String> columns = new ArrayList<>(List.of(CLUSTER, MEMBER, HOST, ROLE, STATE, TL, LAG));
        boolean pending = extended || cluster.members().values().stream().anyMatch(MemberData::pendingRestart);
        boolean scheduled = extended || cluster.members().values().stream().anyMatch(m -> m.scheduledRestart() != null);
        boolean tags = extended || cluster.members().values().stream().anyMatch(m -> m.tags() != null && !shownTags(m).isEmpty());
        if (pending) {
            columns.add(PENDING_RESTART);
        }
        if (scheduled) {
            columns.add(SCHEDULED_RESTART);
        }
        if (tags) {
            columns.add(TAGS);
        }
        boolean withPort = withPort(cluster.members());

        List<List<Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : order(cluster, leader, tree)) {
            String name = entry.getKey();
            MemberData m = cluster.members().get(name);
            boolean isLeader = leader.isPresent() && leader.get().equals(name);
            String role = isLeader ? (standbyCluster ? "Standby Leader" : "Leader")
                    : sync.contains(name) ? "Sync Standby" : "Replica";
            Object lag = isLeader ? null : lagInMb(m, leaderLsn);
            List<Object> row = new ArrayList<>(List.of(scope, indent(name, entry.getValue()), host(m, withPort), role,
                    m.stateOrUnknown()));
            row.add(m.timeline());
            row.add(lag);
            if (pending) {
                row.add(m.pendingRestart() ? "*" : null);
            }
            if (scheduled) {
                row.add(scheduledRestart(m));
            }
            if (tags) {
                Map<String, Object> shown = shownTags(m);
                row.add(shown.isEmpty() ? null : shown.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", ")));
            }
            rows.add(row);
        }
        String title = "Cluster: " + scope + cluster.initialize().map(id -> " (" + id + ")").orElse("");
        return new Table(Optional.of(title), columns, rows, Set.of(TL, LAG), Set.of(CLUSTER));
    }

    /** The lines printed under the pretty table: maintenance mode, a scheduled switchover, unreadable keys. */
    public static List<String> notes(PatroniCluster cluster) {
        List<String> notes = new ArrayList<>();
        if (cluster.paused()) {
            notes.add("Maintenance mode: on");
        }
        cluster.failover().filter(f -> f.scheduledAt() != null).ifPresent(f -> notes.add(scheduledSwitchover(f)));
        if (cluster.leader().isEmpty() && !cluster.members().isEmpty()) {
            notes.add("No leader: nobody holds the leader key");
        }
        cluster.problems().forEach(p -> notes.add("Unreadable key: " + p));
        return notes;
    }

    private static String scheduledSwitchover(Failover f) {
        StringBuilder text = new StringBuilder("Switchover scheduled at: " + f.scheduledAt());
        if (f.leader() != null) {
            text.append(", from ").append(f.leader());
        }
        if (f.candidate() != null) {
            text.append(", to ").append(f.candidate());
        }
        return text.toString();
    }

    /** The leader's position: its own member key, or the status key, whichever is further. */
    private static long leaderLsn(PatroniCluster cluster, Optional<String> leader) {
        long lsn = cluster.lastLeaderLsn().orElse(0);
        OptionalLong own = leader.map(cluster.members()::get).map(MemberData::walPosition).orElse(OptionalLong.empty());
        return Math.max(lsn, own.orElse(0));
    }

    /** Lag in MB, rounded; "unknown" when the member reports no position. */
    static Object lagInMb(MemberData member, long leaderLsn) {
        OptionalLong position = member.walPosition();
        if (position.isEmpty()) {
            return "unknown";
        }
        long lag = Math.max(0, leaderLsn - position.getAsLong());
        return Math.round((double) lag / MB);
    }

    /** Members in name order; for a tree, depth-first under the leader, with each one's depth. */
    static List<Map.Entry<String, Integer>> order(PatroniCluster cluster, Optional<String> leader, boolean tree) {
        List<Map.Entry<String, Integer>> order = new ArrayList<>();
        if (!tree) {
            cluster.members().keySet().forEach(n -> order.add(Map.entry(n, 0)));
            return order;
        }
        Set<String> replicas = new HashSet<>(cluster.members().keySet());
        leader.ifPresent(replicas::remove);
        Map<String, List<String>> children = new java.util.TreeMap<>();
        String root = leader.orElse("");
        for (String name : cluster.members().keySet()) {
            if (!replicas.contains(name)) {
                continue;
            }
            Object from = Optional.ofNullable(cluster.members().get(name).tags()).map(t -> t.get("replicatefrom")).orElse(null);
            String parent = from != null && replicas.contains(from.toString()) && !from.toString().equals(name)
                    ? from.toString() : root;
            children.computeIfAbsent(parent, k -> new ArrayList<>()).add(name);
        }
        Set<String> seen = new HashSet<>();
        if (leader.isPresent()) {
            walk(leader.get(), 0, children, order, seen);
        } else {
            children.getOrDefault("", List.of()).forEach(c -> walk(c, 0, children, order, seen));
        }
        // Members in a replicatefrom cycle hang from nobody: list them at the top level.
        cluster.members().keySet().stream().filter(n -> !seen.contains(n)).forEach(n -> order.add(Map.entry(n, 0)));
        return order;
    }

    private static void walk(String name, int depth, Map<String, List<String>> children,
                             List<Map.Entry<String, Integer>> order, Set<String> seen) {
        if (!seen.add(name)) {
            return;
        }
        order.add(Map.entry(name, depth));
        for (String child : children.getOrDefault(name, List.of())) {
            walk(child, depth + 1, children, order, seen);
        }
    }

    private static String indent(String name, int depth) {
        return depth == 0 ? name : "  ".repeat(depth - 1) + "+ " + name;
    }

    /** host:port when any member uses a port other than 5432 or two members share a host. */
    private static boolean withPort(Map<String, MemberData> members) {
        Set<String> hosts = new HashSet<>();
        boolean port = false;
        for (MemberData m : members.values()) {
            try {
                ConnUrl address = m.address();
                hosts.add(address.host());
                port |= address.port() != ConnUrl.DEFAULT_PORT;
            } catch (IllegalArgumentException e) {
                // no address: shown empty
            }
        }
        return port || hosts.size() < members.size();
    }

    private static String host(MemberData m, boolean withPort) {
        try {
            ConnUrl address = m.address();
            return withPort ? address.host() + ":" + address.port() : address.host();
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String scheduledRestart(MemberData m) {
        if (m.scheduledRestart() == null) {
            return null;
        }
        Object schedule = m.scheduledRestart().get("schedule");
        Object version = m.scheduledRestart().get("postgres_version");
        return schedule + (version == null ? "" : " if version < " + version);
    }

    /** Tags worth showing: those that are set (false tags say nothing). */
    private static Map<String, Object> shownTags(MemberData m) {
        Map<String, Object> shown = new java.util.TreeMap<>();
        if (m.tags() != null) {
            m.tags().forEach((k, v) -> {
                if (v != null && !Boolean.FALSE.equals(v)) {
                    shown.put(k, v);
                }
            });
        }
        return shown;
    }
}
