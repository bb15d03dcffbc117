package io.pgwarden.pool;

/** No server connection became free within the pool timeout. */
public final class PoolTimeoutException extends Exception {

    public PoolTimeoutException(String message) {
        super(message, null, false, false);
    }
}
