package io.pgwarden.router.admin.console;

/** A command the console refuses or could not carry out; the client gets an ErrorResponse with this SQLSTATE. */
public final class ConsoleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String sqlState;

    public ConsoleException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
