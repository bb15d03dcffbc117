package io.pgwarden.bench.failover;

import org.HdrHistogram.Histogram;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes one row every interval through one endpoint, autocommit, each with a unique id, as an
 * application would: 1 s connect and statement timeouts, reconnecting after any failure. Every
 * attempt is recorded with the port of the server that acknowledged it, so the analysis can
 * tell outages, losses and writes acknowledged by a node that was not the leader.
 */
public final class WriteProbe implements Runnable {

    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final Duration interval;
    private final long idBase;
    private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    private final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Connection connection;
    private PreparedStatement insert;

    /** @param idBase ids are idBase + n, so probes writing to one table never collide */
    public WriteProbe(String name, String jdbcUrl, String user, String password, Duration interval, long idBase) {
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.interval = interval;
        this.idBase = idBase;
    }

    public String name() {
        return name;
    }

    /** Writes until {@link #stop()}; meant for a thread of its own. */
    @Override
    public void run() {
        long next = System.nanoTime();
        for (long n = 0; running.get(); n++) {
            attempt(idBase + n);
            next += interval.toNanos();
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            } else {
                next = System.nanoTime(); // fell behind during a timeout: do not burst to catch up
            }
        }
        closeQuietly();
    }

    private void attempt(long id) {
        long sent = System.nanoTime();
        try {
            if (insert == null) {
                connect();
            }
            insert.setLong(1, id);
            insert.setString(2, name);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                int port = rs.getInt(1);
                long done = System.nanoTime();
                boolean localOnly = localOnly(insert.getWarnings()) || localOnly(connection.getWarnings());
                connection.clearWarnings();
                insert.clearWarnings();
                attempts.add(new Attempt(id, sent, done, port, null, localOnly));
                latencyMicros.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(done - sent), latencyMicros.getHighestTrackableValue()));
            }
        } catch (SQLException e) {
            attempts.add(new Attempt(id, sent, System.nanoTime(), -1, describe(e)));
            closeQuietly();
        }
    }

    private void connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "1");
        props.setProperty("socketTimeout", "2");
        props.setProperty("loginTimeout", "1");
        props.setProperty("tcpKeepAlive", "true");
        connection = DriverManager.getConnection(jdbcUrl, props);
        insert = connection.prepareStatement("INSERT INTO failover_probe (id, probe) VALUES (?, ?) RETURNING inet_server_port()");
        insert.setQueryTimeout(1);
    }

    private void closeQuietly() {
        insert = null;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken; the next attempt reconnects.
            }
            connection = null;
        }
    }

    /** PostgreSQL's WARNING when a commit's wait for the synchronous standby was cancelled: committed here only. */
    private static boolean localOnly(SQLWarning warning) {
        for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
            if (isCancelledSyncWait(w)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(SQLException e) {
        return (e.getSQLState() == null ? "" : e.getSQLState() + " ") + e.getMessage();
    }

    public void stop() {
        running.set(false);
    }

    public List<Attempt> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    public Histogram latencyMicros() {
        return latencyMicros.copy();
    }

    /**
     * PostgreSQL's WARNING when a COMMIT's wait for the synchronous standby is cancelled: "canceling
     * (the) wait for synchronous replication ...", the "committed locally" part being in its DETAIL,
     * which pgjdbc keeps out of getMessage().
     */
    private static boolean isCancelledSyncWait(SQLWarning w) {
        String message = String.valueOf(w.getMessage());
        if (message.contains("wait for synchronous replication") || message.contains("committed locally")) {
            return true;
        }
        return w instanceof org.postgresql.util.PSQLWarning p && p.getServerErrorMessage() != null
                && String.valueOf(p.getServerErrorMessage().getDetail()).contains("committed locally");
    }
}
