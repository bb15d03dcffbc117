package io.pgwarden.pool;

/** The pool was closed (its node fenced or the router stopping) while a client waited on it. */
public final class PoolClosedException extends Exception {

    public PoolClosedException(String message) {
        super(message, null, false, false);
    }
}
