package io.pgwarden.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * Sizing and lifetimes of one pool.
 *
 * @param poolTimeout how long a client may wait for a connection before it gets 53300
 * @param resetQuery  run when a session-mode client gives its connection back; empty for none
 */
public record PoolSettings(int minSize, int maxSize, Duration idleTimeout, Duration maxLifetime,
                           Duration poolTimeout, String resetQuery) {

    public PoolSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(maxLifetime, "maxLifetime");
        Objects.requireNonNull(poolTimeout, "poolTimeout");
        Objects.requireNonNull(resetQuery, "resetQuery");
        if (maxSize < 1) {
            throw new IllegalArgumentException("max size must be at least 1, got " + maxSize);
        }
        if (minSize < 0 || minSize > maxSize) {
            throw new IllegalArgumentException("min size must be between 0 and max size " + maxSize + ", got " + minSize);
        }
    }
}
