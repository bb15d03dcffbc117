package io.pgwarden.agent.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * JDBC connections to the local server as the superuser, over TCP at its listen address. Each call
 * opens its own: the server is restarted under the agent, and a cached connection would outlive it.
 */
final class LocalConnections {

    /** Short enough that a hung server never holds up the agent's loop for long. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final Driver driver = new Driver();
    private final String url;
    private final String user;
    private final String password;

    LocalConnections(String host, int port, String user, String password) {
        this.url = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/postgres";
        this.user = user;
        this.password = password;
    }

    /** A connection whose every read gives up after {@code socketTimeout}. */
    Connection open(Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
        props.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
        props.setProperty("socketTimeout", String.valueOf(Math.max(1, socketTimeout.toSeconds())));
        props.setProperty("ApplicationName", "pgwarden-agent");
        Connection connection = driver.connect(url, props);
        if (connection == null) {
            throw new SQLException("the PostgreSQL driver did not accept " + url);
        }
        return connection;
    }

    String url() {
        return url;
    }
}
