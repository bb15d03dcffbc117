package io.pgwarden.discovery;

/** Receives every new snapshot a {@link TopologySource} publishes. */
@FunctionalInterface
public interface TopologyListener {
    void onTopology(Topology topology);
}
