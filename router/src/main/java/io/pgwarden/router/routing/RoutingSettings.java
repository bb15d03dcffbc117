package io.pgwarden.router.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * How the router chooses nodes.
 *
 * @param maxLagBytes              replicas lagging more get no new reads
 * @param fenceReplicasOnIsolation when the topology store is unreachable, stop replica reads too
 * @param connectWaitTimeout       how long new work for the primary waits for one to appear
 */
public record RoutingSettings(boolean replicaFallbackToPrimary, long maxLagBytes, boolean fenceReplicasOnIsolation,
                              Duration connectWaitTimeout) {

    public RoutingSettings {
        Objects.requireNonNull(connectWaitTimeout, "connectWaitTimeout");
    }
}
