package io.pgwarden.agent.loop;

import io.pgwarden.discovery.patroni.PatroniCluster;
import java.util.Optional;

/**
 * Whether a node's data is behind the cluster's recorded history: such a node must never hold the key
 * or stay writable (Patroni 3.0.2 lets a frozen leader re-take its key and loses what the interim
 * leader acknowledged; patroni#2175 lets an old primary that starts first take it).
 */
public final class StaleCheck {

    private StaleCheck() {
    }

    /** Why {@code local} may not lead {@code cluster}, or empty when it may. */
    public static Optional<String> whyStale(LocalState local, PatroniCluster cluster) {
        long clusterTimeline = cluster.historyTimeline();
        if (clusterTimeline > 0 && local.timeline() > 0 && local.timeline() < clusterTimeline) {
            return Optional.of("its timeline " + local.timeline() + " is behind the cluster's " + clusterTimeline);
        }
        return Optional.empty();
    }
}
