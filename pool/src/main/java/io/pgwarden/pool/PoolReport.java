package io.pgwarden.pool;

import java.util.List;

/**
 * A pool's state at one moment, in more detail than {@link PoolStats}: taken under the pool's
 * lock, so the counts agree with each other.
 *
 * @param active      connections handed to clients, including those being opened for one
 * @param opening     connections being opened (a client waits for each)
 * @param waiting     clients queued for a connection
 * @param longestWaitNanos how long the longest-queued client has waited so far, 0 if none
 * @param paused      new work is held (admin PAUSE)
 * @param servers     the open connections
 */
public record PoolReport(PoolKey key, PoolSettings settings, int total, int active, int opening, int idle,
                         int waiting, long longestWaitNanos, boolean paused, List<ServerSnapshot> servers) {

    public PoolReport {
        servers = List.copyOf(servers);
    }
}
