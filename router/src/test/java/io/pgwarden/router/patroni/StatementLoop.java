package io.pgwarden.router.patroni;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A client in a loop, as an application runs one: one statement that returns the server's port
 * ({@code inet_server_port()}) every {@code pause}, autocommit, on one connection; after an error it
 * reconnects, or stops if told to. Every outcome is kept with its start and end time, for a bounded
 * time at most.
 */
final class StatementLoop implements AutoCloseable {

    static final String INSERT = "INSERT INTO router_writes (port) VALUES (inet_server_port()) RETURNING port";
    static final String SELECT = "SELECT inet_server_port()";

    /** @param port the server's port when it succeeded, 0 when not; {@code error} is null on success */
    record Outcome(long startNanos, long endNanos, int port, String error, String sqlState) {
        boolean ok() {
            return error == null;
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    private final String name;
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;

    /**
     * @param connector opens the connection (again, after an error, if {@code reconnect})
     * @param sql       returns one int: the server's port
     * @param maxRun    the loop ends by itself after this long
     */
    StatementLoop(String name, Callable<Connection> connector, String sql, Duration pause, boolean reconnect,
                  Duration maxRun) {
        this.name = name;
        long deadline = System.nanoTime() + maxRun.toNanos();
        this.thread = new Thread(() -> {
            Connection connection = null;
            PreparedStatement statement = null;
            while (!stopped && System.nanoTime() - deadline < 0) {
                long start = System.nanoTime();
                try {
                    if (connection == null) {
                        connection = connector.call();
                        statement = connection.prepareStatement(sql);
                    }
                    try (ResultSet rs = statement.executeQuery()) {
                        rs.next();
                        outcomes.add(new Outcome(start, System.nanoTime(), rs.getInt(1), null, null));
                    }
                } catch (Exception e) {
                    outcomes.add(new Outcome(start, System.nanoTime(), 0, PatroniRouters.describe(e),
                            PatroniRouters.sqlState(e)));
                    closeQuietly(connection);
                    connection = null;
                    if (!reconnect) {
                        break;
                    }
                }
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    break;
                }
            }
            closeQuietly(connection);
        }, "loop-" + name);
        thread.setDaemon(true);
    }

    StatementLoop start() {
        thread.start();
        return this;
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    List<Outcome> acks() {
        return outcomes.stream().filter(Outcome::ok).toList();
    }

    List<Outcome> failures() {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    long acksOn(int port) {
        return outcomes.stream().filter(o -> o.ok() && o.port() == port).count();
    }

    /** Waits until {@code count} statements succeeded on {@code port}. */
    void awaitAcksOn(int port, int count, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> acksOn(port) >= count);
    }

    boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the loop and waits for its last statement (bounded by its own timeouts). */
    void stop() {
        stopped = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name;
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // already broken
            }
        }
    }
}
