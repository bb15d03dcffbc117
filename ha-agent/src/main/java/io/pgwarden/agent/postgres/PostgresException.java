package io.pgwarden.agent.postgres;

/** A PostgreSQL command or query the agent needed did not work; the message names it and quotes its output. */
public final class PostgresException extends RuntimeException {

    public PostgresException(String message) {
        super(message);
    }

    public PostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
