package io.pgwarden.pool.server;

import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;

/** Logging in to PostgreSQL failed; carries the SQLSTATE to pass on to the client. */
public final class ServerLoginException extends Exception {

    private final String sqlState;
    private final boolean nodeMayBeDown;

    public ServerLoginException(String sqlState, String message) {
        this(sqlState, message, null, sqlState.startsWith("08"));
    }

    public ServerLoginException(String message, Throwable cause) {
        this(SqlState.CONNECTION_FAILURE, message, cause, true);
    }

    private ServerLoginException(String sqlState, String message, Throwable cause, boolean nodeMayBeDown) {
        super(message, cause);
        this.sqlState = sqlState;
        this.nodeMayBeDown = nodeMayBeDown;
    }

    public static ServerLoginException fromServer(ErrorResponse error) {
        return new ServerLoginException(error.sqlState(), error.message());
    }

    /**
     * The node answered, but its TLS does not meet {@code server.tls} (no TLS, or a certificate
     * that fails verification): a connection failure, yet no sign the node is down, so nobody
     * should wait for it to come back.
     */
    public static ServerLoginException tlsRefused(String message, Throwable cause) {
        return new ServerLoginException(SqlState.CONNECTION_FAILURE, message, cause, false);
    }

    public String sqlState() {
        return sqlState;
    }

    /** Whether the node may be down or unreachable, so another node (or waiting) may help. */
    public boolean nodeMayBeDown() {
        return nodeMayBeDown;
    }
}
