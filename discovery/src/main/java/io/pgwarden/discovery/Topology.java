package io.pgwarden.discovery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of a cluster: who leads, who follows, and whether the source of
 * this knowledge is still reachable. Swapped whole, never mutated.
 *
 * @param leader       name of the member holding the leader key, if any
 * @param dcsReachable false once the source has lost its store for longer than allowed
 */
public record Topology(String cluster, Optional<String> leader, List<Member> members,
                       boolean paused, boolean switchoverPending, boolean dcsReachable) {

    public Topology {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(leader, "leader");
        members = List.copyOf(members);
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
}
