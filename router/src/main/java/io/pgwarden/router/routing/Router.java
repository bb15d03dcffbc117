package io.pgwarden.router.routing;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologySource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides which nodes may serve a new client: the primary for the primary port; for the replica
 * port the running replicas in round-robin order (so a failed connect can fall through to the
 * next), then the primary if the config allows that fallback.
 */
public final class Router {

    private final TopologySource topology;
    private final boolean replicaFallbackToPrimary;
    private final AtomicInteger nextReplica = new AtomicInteger();

    public Router(TopologySource topology, boolean replicaFallbackToPrimary) {
        this.topology = topology;
        this.replicaFallbackToPrimary = replicaFallbackToPrimary;
    }

    public Topology topology() {
        return topology.current();
    }

    /** Candidates in the order to try them; never empty. */
    public List<Member> candidates(ListenerRole role) throws NoServerAvailableException {
        Topology current = topology.current();
        if (role == ListenerRole.PRIMARY) {
            return List.of(current.primary().orElseThrow(() -> new NoServerAvailableException(
                    "no primary is available in cluster \"" + current.cluster() + "\"")));
        }
        List<Member> replicas = current.replicas();
        List<Member> ordered = new ArrayList<>(replicas.size() + 1);
        if (!replicas.isEmpty()) {
            int start = Math.floorMod(nextReplica.getAndIncrement(), replicas.size());
            for (int i = 0; i < replicas.size(); i++) {
                ordered.add(replicas.get((start + i) % replicas.size()));
            }
        }
        if (replicaFallbackToPrimary) {
            current.primary().ifPresent(ordered::add);
        }
        if (ordered.isEmpty()) {
            throw new NoServerAvailableException("no healthy replica is available in cluster \""
                    + current.cluster() + "\"" + (replicaFallbackToPrimary ? " and no primary either" : ""));
        }
        return ordered;
    }
}
