package io.pgwarden.router.fencing;

import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.TopologySource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A topology the test publishes by hand, delivered on the caller's thread as a real source
 * delivers on its own: for driving the router's fencing against real PostgreSQL nodes without
 * a store in between.
 */
final class ManualTopologySource implements TopologySource {

    private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Topology current;

    ManualTopologySource(Topology initial) {
        this.current = initial;
    }

    synchronized void publish(Topology topology) {
        current = topology;
        listeners.forEach(l -> l.onTopology(topology));
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public synchronized void addListener(TopologyListener listener) {
        listeners.add(listener);
        listener.onTopology(current);
    }

    @Override
    public void start() {
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
