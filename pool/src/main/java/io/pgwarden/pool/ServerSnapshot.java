package io.pgwarden.pool;

import java.time.Instant;

/**
 * One open server connection at one moment, as the admin console lists it.
 *
 * @param idle        in the pool's idle list, ready for the next client
 * @param connectedAt when the connection was opened
 * @param backendPid  the PostgreSQL backend's process id
 */
public record ServerSnapshot(PoolKey key, boolean idle, Instant connectedAt, int backendPid) {
}
