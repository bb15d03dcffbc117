package io.pgwarden.discovery.fixed;

import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.TopologySource;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** A topology written in the config: it never changes on its own. */
public final class StaticTopologySource implements TopologySource {

    private final Topology topology;
    private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();

    public StaticTopologySource(Topology topology) {
        this.topology = Objects.requireNonNull(topology, "topology");
    }

    @Override
    public Topology current() {
        return topology;
    }

    @Override
    public void addListener(TopologyListener listener) {
        listeners.add(listener);
        listener.onTopology(topology);
    }

    @Override
    public void start() {
        // Nothing to watch.
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
