package io.pgwarden.agent.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * JDBC connections to one server over TCP: the agent's own at its listen address (SQL as the
 * superuser, physical replication as the replication user), or a rewind source. Each call opens its
 * own: servers are restarted under the agent, and a cached connection would outlive them.
 */
final class ServerConnections {

    /** Short enough that a hung server never holds up the agent's loop for long. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final Driver driver = new Driver();
    private final String url;
    private final String user;
    private final String password;
    private final String replicationUser;
    private final String replicationPassword;

    ServerConnections(String host, int port, String user, String password, String replicationUser,
                     String replicationPassword) {
        this.url = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/postgres";
        this.user = user;
        this.password = password;
        this.replicationUser = replicationUser;
        this.replicationPassword = replicationPassword;
    }

    /** A connection whose every read gives up after {@code socketTimeout}. */
    Connection open(Duration socketTimeout) throws SQLException {
        return open(socketTimeout, user, password, new Properties());
    }

    /**
     * A physical replication connection (walsender), which takes only replication commands such as
     * {@code IDENTIFY_SYSTEM}, in the simple query protocol.
     */
    Connection openReplication(Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("replication", "true");
        props.setProperty("assumeMinServerVersion", "9.4");
        props.setProperty("preferQueryMode", "simple");
        return open(socketTimeout, replicationUser, replicationPassword, props);
    }

    private Connection open(Duration socketTimeout, String user, String password, Properties props)
            throws SQLException {
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
