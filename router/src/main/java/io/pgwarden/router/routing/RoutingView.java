package io.pgwarden.router.routing;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Topology;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the router may do right now, derived from one topology snapshot.
 *
 * @param keyHolder the trusted holder of the leader key: statements already under way on it may
 *                  go on; any other node gets no statement through the primary port
 * @param primary   where new work for the primary port goes: the key holder, unless a
 *                  switchover is pending (then new work is held)
 * @param readable  replicas that may take new reads
 */
public record RoutingView(Topology topology, Optional<Member> keyHolder, Optional<Member> primary, List<Member> readable) {

    public RoutingView {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(keyHolder, "keyHolder");
        Objects.requireNonNull(primary, "primary");
        readable = List.copyOf(readable);
    }

    public boolean holdsKey(String node) {
        return keyHolder.map(m -> m.name().equals(node)).orElse(false);
    }

    public boolean isReadable(String node) {
        return readable.stream().anyMatch(m -> m.name().equals(node));
    }

    public String keyHolderName() {
        return keyHolder.map(Member::name).orElse("none");
    }
}
