package io.pgwarden.agent.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A connection to the local server kept across a few steps that must not each wait for a login (a
 * switchover's candidate: wait for WAL, then promote). Null inside when none could be opened: the steps
 * then open their own.
 */
public final class HeldConnection implements AutoCloseable {

    private final Connection connection;

    HeldConnection(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // gone with the server anyway
            }
        }
    }
}
