package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The pgbouncer.ini and userlist.txt of one PgBouncer the bench starts: one database, configured
 * like the pgwarden target it is compared with (same pool size and mode, SCRAM for clients, idle
 * timeout and lifetime at PgBouncer's defaults, which pgwarden's defaults match).
 *
 * @param dir           where the two files, the log and the pid file go
 * @param poolSize      {@code default_pool_size}: server connections per user and database, of which pgbench uses one pair
 * @param maxClientConn {@code max_client_conn}
 */
record PgBouncerConfig(Path dir, int listenPort, String serverHost, int serverPort, String database,
                       PoolMode poolMode, int poolSize, int maxClientConn) {

    PgBouncerConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(serverHost, "serverHost");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(poolMode, "poolMode");
    }

    Path iniFile() {
        return dir.resolve("pgbouncer.ini");
    }

    Path userListFile() {
        return dir.resolve("userlist.txt");
    }

    Path logFile() {
        return dir.resolve("pgbouncer.log");
    }

    String ini() {
        StringBuilder ini = new StringBuilder()
                .append("; Written by pgwarden bench throughput for one run.\n")
                .append("[databases]\n")
                .append(database).append(" = host=").append(serverHost).append(" port=").append(serverPort)
                .append(" dbname=").append(database).append('\n')
                .append('\n')
                .append("[pgbouncer]\n")
                .append("listen_addr = 127.0.0.1\n")
                .append("listen_port = ").append(listenPort).append('\n')
                .append("unix_socket_dir =\n")
                .append("auth_type = scram-sha-256\n")
                .append("auth_file = ").append(userListFile()).append('\n')
                .append("pool_mode = ").append(poolMode.configName()).append('\n')
                .append("default_pool_size = ").append(poolSize).append('\n')
                .append("max_client_conn = ").append(maxClientConn).append('\n');
        if (poolMode == PoolMode.SESSION) {
            // What pgwarden runs too; PgBouncer ignores it in transaction mode.
            ini.append("server_reset_query = DISCARD ALL\n");
        }
        return ini.append("ignore_startup_parameters = extra_float_digits\n")
                .append("logfile = ").append(logFile()).append('\n')
                .append("pidfile = ").append(dir.resolve("pgbouncer.pid")).append('\n')
                // pgwarden logs logins at debug level only; a log line per connection would slow the -C runs.
                .append("log_connections = 0\n")
                .append("log_disconnections = 0\n")
                .toString();
    }

    /** A userlist.txt line; the bench gives a SCRAM verifier, with which PgBouncer passes the client's proof through. */
    static String userList(String user, String password) {
        return io.pgwarden.pool.auth.UserList.entry(user, password);
    }
}
