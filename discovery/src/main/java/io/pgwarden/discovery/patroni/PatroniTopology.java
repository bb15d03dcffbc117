package io.pgwarden.discovery.patroni;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Switchover;
import io.pgwarden.discovery.Topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Turns Patroni's keys into a {@link Topology}: a pure function of the keys, the time (for scheduled
 * switchovers) and whether the store is reachable.
 *
 * <ul>
 *   <li>leader: the value of {@code leader};</li>
 *   <li>members: {@code members/*}, sorted by name; a member whose {@code conn_url} gives no host is
 *       left out (a problem);</li>
 *   <li>lag: the leader's position (the larger of its {@code xlog_location} and {@code status.optime},
 *       or the last known {@code status.optime} when no one leads) minus the member's replayed position
 *       ({@code replay_lsn}, else {@code xlog_location}); 0 for the leader, -1 when either is unknown;</li>
 *   <li>paused: {@code config.pause};</li>
 *   <li>switchover pending: {@code failover} holds a request that is due and whose candidate does
 *       not hold the leader key yet (once it does, the switchover is done and Patroni clears the key);</li>
 *   <li>highest timeline: the highest of the members' timelines and the history's.</li>
 * </ul>
 */
public final class PatroniTopology {

    private PatroniTopology() {
    }

    /** Decodes {@code kvs} and builds the snapshot; see {@link PatroniCluster#decode}. */
    public static Topology build(PatroniKeys keys, Map<String, String> kvs, PatroniJson json, Instant now,
                                 boolean dcsReachable) {
        return build(keys.scope(), PatroniCluster.decode(keys, kvs, json), now, dcsReachable);
    }

    public static Topology build(String clusterName, PatroniCluster cluster, Instant now, boolean dcsReachable) {
        return build(clusterName, cluster, now, dcsReachable, new ArrayList<>());
    }

    /**
     * Builds the snapshot, adding to {@code problems} one line per member left out.
     */
    public static Topology build(String clusterName, PatroniCluster cluster, Instant now, boolean dcsReachable,
                                 List<String> problems) {
        return build(clusterName, cluster, now, dcsReachable, problems, Optional.empty());
    }

    /** As above, with the coordinated switchover under way, if any. */
    public static Topology build(String clusterName, PatroniCluster cluster, Instant now, boolean dcsReachable,
                                 List<String> problems, Optional<io.pgwarden.discovery.drain.Drain> drain) {
        Optional<String> leader = cluster.leader();
        OptionalLong leaderPosition = leaderPosition(cluster);
        List<Member> members = new ArrayList<>(cluster.members().size());
        long highestTimeline = cluster.historyTimeline();
        for (Map.Entry<String, MemberData> entry : cluster.members().entrySet()) {
            String name = entry.getKey();
            MemberData data = entry.getValue();
            ConnUrl address;
            try {
                address = data.address();
            } catch (IllegalArgumentException e) {
                problems.add("member " + name + " left out: " + e.getMessage());
                continue;
            }
            long timeline = data.timelineValue().orElse(0);
            highestTimeline = Math.max(highestTimeline, timeline);
            boolean isLeader = leader.map(name::equals).orElse(false);
            long lag = isLeader ? 0 : lag(leaderPosition, data.readablePosition());
            members.add(new Member(name, address.host(), address.port(), Role.parse(data.role()),
                    data.stateOrUnknown(), timeline, data.walPosition().orElse(0), lag, data.tagsAsText(),
                    data.replicationStateValue()));
        }

        Optional<Switchover> switchover = Optional.empty();
        boolean pending = false;
        if (cluster.failover().isPresent()) {
            Failover failover = cluster.failover().get();
            Optional<String> candidate = Optional.ofNullable(failover.candidate()).filter(s -> !s.isEmpty());
            boolean candidateLeads = candidate.isPresent() && candidate.equals(leader);
            try {
                Switchover request = failover.toSwitchover();
                switchover = Optional.of(request);
                // A coordinated request holds work only from its drain on (see Router), not from now.
                pending = request.isDue(now) && !candidateLeads && !failover.coordinated();
            } catch (IllegalArgumentException e) {
                // A request whose time cannot be read: hold new work, as if it were due.
                problems.add("failover: " + e.getMessage());
                switchover = Optional.of(new Switchover(
                        Optional.ofNullable(failover.leader()).filter(s -> !s.isEmpty()), candidate, Optional.empty()));
                pending = !candidateLeads;
            }
        }
        return new Topology(clusterName, leader, members, cluster.paused(), pending, dcsReachable, highestTimeline,
                switchover, drain);
    }

    private static OptionalLong leaderPosition(PatroniCluster cluster) {
        OptionalLong status = cluster.lastLeaderLsn();
        OptionalLong member = cluster.leaderMember().map(MemberData::walPosition).orElse(OptionalLong.empty());
        if (member.isPresent() && status.isPresent()) {
            return OptionalLong.of(Math.max(member.getAsLong(), status.getAsLong()));
        }
        return member.isPresent() ? member : status;
    }

    private static long lag(OptionalLong leaderPosition, OptionalLong memberPosition) {
        if (leaderPosition.isEmpty() || memberPosition.isEmpty()) {
            return -1;
        }
        return Math.max(0, leaderPosition.getAsLong() - memberPosition.getAsLong());
    }
}
