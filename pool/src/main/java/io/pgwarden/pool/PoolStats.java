package io.pgwarden.pool;

/**
 * A pool's counts at one moment.
 *
 * @param total   open or opening server connections
 * @param active  connections handed to clients (or being handed)
 * @param waiting clients queued for a connection
 */
public record PoolStats(PoolKey key, int total, int active, int idle, int waiting) {
}
