package io.pgwarden.pool;

/**
 * A pool's counts at one moment.
 *
 * @param total      open or opening server connections
 * @param active     connections handed to clients (or being handed), including those still connecting
 * @param waiting    clients queued for a connection
 * @param connecting connections being opened and logged in (counted in {@code total} and {@code active})
 */
public record PoolStats(PoolKey key, int total, int active, int idle, int waiting, int connecting) {

    /** Connections a client holds and uses: handed over and logged in. */
    public int inUse() {
        return active - connecting;
    }
}
