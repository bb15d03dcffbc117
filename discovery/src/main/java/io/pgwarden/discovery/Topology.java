package io.pgwarden.discovery;

import io.pgwarden.discovery.drain.Drain;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of a cluster: who leads, who follows, and whether the source of
 * this knowledge is still reachable. Swapped whole, never mutated.
 *
 * @param leader            name of the member holding the leader key, if any
 * @param switchoverPending a switchover or failover is requested and due, and its candidate does not
 *                          hold the leader key yet: new work for the primary should wait
 * @param dcsReachable      false once the source has lost its store for longer than allowed
 * @param highestTimeline   the highest timeline this snapshot shows for the cluster (members' timelines
 *                          and the timeline history); 0 when unknown
 * @param switchover        the requested switchover or failover, if any, also one not yet due
 * @param drain             a coordinated switchover under way: routers hold new work for the primary
 *                          and drain {@code drain.leader()} (pgwarden agents only; Patroni writes none)
 */
public record Topology(String cluster, Optional<String> leader, List<Member> members,
                       boolean paused, boolean switchoverPending, boolean dcsReachable,
                       long highestTimeline, Optional<Switchover> switchover, Optional<Drain> drain) {

    public Topology {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(switchover, "switchover");
        Objects.requireNonNull(drain, "drain");
        members = List.copyOf(members);
        if (highestTimeline < 0) {
            throw new IllegalArgumentException("negative timeline: " + highestTimeline);
        }
    }

    /** A snapshot without a coordinated switchover under way. */
    public Topology(String cluster, Optional<String> leader, List<Member> members,
                    boolean paused, boolean switchoverPending, boolean dcsReachable,
                    long highestTimeline, Optional<Switchover> switchover) {
        this(cluster, leader, members, paused, switchoverPending, dcsReachable, highestTimeline, switchover,
                Optional.empty());
    }

    /**
     * A snapshot without switchover details, its highest timeline taken from the members: what a
     * static topology describes.
     */
    public Topology(String cluster, Optional<String> leader, List<Member> members,
                    boolean paused, boolean switchoverPending, boolean dcsReachable) {
        this(cluster, leader, members, paused, switchoverPending, dcsReachable,
                members.stream().mapToLong(Member::timeline).max().orElse(0), Optional.empty());
    }

    /** What a source knows before it has read its store at all: nothing, and unreachable. */
    public static Topology unknown(String cluster) {
        return new Topology(cluster, Optional.empty(), List.of(), false, false, false, 0, Optional.empty());
    }

    /** The member that may take writes now: it holds the leader key and runs as a primary. */
    public Optional<Member> primary() {
        if (!dcsReachable || leader.isEmpty()) {
            return Optional.empty();
        }
        return member(leader.get()).filter(m -> m.role() == Role.PRIMARY && m.isRunning());
    }

    /** Running replicas, in the order the source lists them. */
    public List<Member> replicas() {
        return members.stream().filter(m -> m.role() == Role.REPLICA && m.isRunning()).toList();
    }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** This snapshot with {@link #dcsReachable} set as given. */
    public Topology withDcsReachable(boolean reachable) {
        return reachable == dcsReachable ? this
                : new Topology(cluster, leader, members, paused, switchoverPending, reachable, highestTimeline, switchover,
                        drain);
    }
}
