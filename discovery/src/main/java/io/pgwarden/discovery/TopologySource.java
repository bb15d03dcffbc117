package io.pgwarden.discovery;

/**
 * Where the router learns the cluster's shape. Implementations publish immutable snapshots;
 * consumers never reach into the store behind them.
 */
public interface TopologySource extends AutoCloseable {

    /** The latest snapshot; never null once {@link #start()} has returned. */
    Topology current();

    /** Registers a listener, which at once receives the current snapshot. */
    void addListener(TopologyListener listener);

    void start();

    @Override
    void close();
}
