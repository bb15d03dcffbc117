package io.pgwarden.systest;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Autocommit inserts with unique ids, one after another, through one JDBC URL (the router's 5000, or a
 * node's own port for a direct probe). Every attempt is recorded: sent and answered times, and whether
 * it was acknowledged — or acknowledged with PostgreSQL's "committed locally, but might not have been
 * replicated" warning (a cancelled wait for the synchronous standby), which is counted apart.
 */
final class WriteLoad implements Runnable, AutoCloseable {

    record Attempt(long id, long sentNanos, long doneNanos, boolean acked, boolean localOnly, String error) {
    }

    private final String url;
    private final long idBase;
    private final Duration statementTimeout;
    private final Thread thread;
    private final List<Attempt> attempts = new ArrayList<>();
    private volatile boolean stopping;

    WriteLoad(String name, String url, long idBase, Duration statementTimeout) {
        this.url = url;
        this.idBase = idBase;
        this.statementTimeout = statementTimeout;
        this.thread = new Thread(this, "write-load-" + name);
        thread.setDaemon(true);
    }

    static void createTable(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS acked (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
        }
    }

    WriteLoad start() {
        thread.start();
        return this;
    }

    @Override
    public void run() {
        long next = idBase;
        Connection connection = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos(); // bounded whatever happens
        while (!stopping && System.nanoTime() < deadline) {
            long id = next++;
            long sent = System.nanoTime();
            try {
                if (connection == null) {
                    connection = connect();
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO acked (id) VALUES (?)")) {
                    insert.setLong(1, id);
                    // A client-side timeout (a CancelRequest), as applications set one: the server's
                    // statement_timeout does not cover an autocommit COMMIT's wait for the standby.
                    insert.setQueryTimeout((int) Math.max(1, statementTimeout.toSeconds()));
                    insert.executeUpdate();
                    boolean localOnly = hasLocalOnlyWarning(insert.getWarnings()) || hasLocalOnlyWarning(connection.getWarnings());
                    connection.clearWarnings();
                    record(new Attempt(id, sent, System.nanoTime(), true, localOnly, null));
                }
            } catch (SQLException e) {
                record(new Attempt(id, sent, System.nanoTime(), false, false, e.getSQLState() + " " + e.getMessage()));
                closeQuietly(connection);
                connection = null;
                sleep(50);
            }
            sleep(5);
        }
        closeQuietly(connection);
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", String.valueOf(statementTimeout.toSeconds() + 5));
        props.setProperty("options", "-c statement_timeout=" + statementTimeout.toMillis());
        return DriverManager.getConnection(url, props);
    }

    private static boolean hasLocalOnlyWarning(SQLWarning warning) {
        for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
            if (isCancelledSyncWait(w)) {
                return true;
            }
        }
        return false;
    }

    private synchronized void record(Attempt attempt) {
        attempts.add(attempt);
    }

    synchronized List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    List<Attempt> acked() {
        return attempts().stream().filter(Attempt::acked).toList();
    }

    /** The longest time between two acknowledged writes. */
    long longestGapMillis() {
        long longest = 0;
        long previous = -1;
        for (Attempt a : acked()) {
            if (previous >= 0) {
                longest = Math.max(longest, (a.doneNanos() - previous) / 1_000_000);
            }
            previous = a.doneNanos();
        }
        return longest;
    }

    int ackedCount() {
        return acked().size();
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(Duration.ofSeconds(30).toMillis());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is gone anyway
            }
        }
    }

    static List<Long> ids(List<Attempt> attempts) {
        List<Long> ids = new ArrayList<>();
        attempts.forEach(a -> ids.add(a.id()));
        return ids;
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
