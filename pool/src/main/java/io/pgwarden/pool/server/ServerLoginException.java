package io.pgwarden.pool.server;

import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;

/** Logging in to PostgreSQL failed; carries the SQLSTATE to pass on to the client. */
public final class ServerLoginException extends Exception {

    private final String sqlState;

    public ServerLoginException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public ServerLoginException(String message, Throwable cause) {
        super(message, cause);
        this.sqlState = SqlState.CONNECTION_FAILURE;
    }

    public static ServerLoginException fromServer(ErrorResponse error) {
        return new ServerLoginException(error.sqlState(), error.message());
    }

    public String sqlState() {
        return sqlState;
    }
}
