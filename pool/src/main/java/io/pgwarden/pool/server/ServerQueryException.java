package io.pgwarden.pool.server;

import io.pgwarden.pool.protocol.backend.ErrorResponse;

/**
 * A statement the pool ran on a logged-in connection (a reset query, the SETs that bring it to a
 * client's settings) failed; carries the server's SQLSTATE. Not a login failure: the server
 * accepted the login earlier.
 */
public final class ServerQueryException extends Exception {

    private final String sqlState;

    public ServerQueryException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public static ServerQueryException fromServer(ErrorResponse error) {
        return new ServerQueryException(error.sqlState(), error.message());
    }

    public String sqlState() {
        return sqlState;
    }
}
