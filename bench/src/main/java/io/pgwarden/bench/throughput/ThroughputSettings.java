package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code pgwarden bench throughput} was asked to do.
 *
 * @param clients         pgbench client counts, each run as its own case
 * @param durationSeconds length of one pgbench run ({@code -T})
 * @param poolSize        requested pooler pool size; session mode raises it to the largest client count
 * @param rounds          interleaved rounds per case; the table shows the median
 * @param scale           {@code pgbench -i -s}
 * @param poolModes       the pool modes pgwarden and PgBouncer run in, each as its own target
 * @param queryModes      pgbench {@code -M} values
 * @param output          markdown file whose throughput section is replaced, or {@code null}
 * @param commandLine     the command as typed, quoted into the report
 * @param transport       pgwarden's {@code listen.transport} (auto, io_uring, epoll, nio)
 */
public record ThroughputSettings(List<Integer> clients, int durationSeconds, int poolSize, int rounds, int scale,
                                 List<PoolMode> poolModes, List<QueryMode> queryModes, Path output,
                                 String commandLine, String transport) {

    /** Settings with pgwarden on its default transport. */
    public ThroughputSettings(List<Integer> clients, int durationSeconds, int poolSize, int rounds, int scale,
                              List<PoolMode> poolModes, List<QueryMode> queryModes, Path output, String commandLine) {
        this(clients, durationSeconds, poolSize, rounds, scale, poolModes, queryModes, output, commandLine, "auto");
    }

    public ThroughputSettings {
        clients = List.copyOf(Objects.requireNonNull(clients, "clients"));
        poolModes = List.copyOf(Objects.requireNonNull(poolModes, "poolModes")).stream().distinct().toList();
        queryModes = List.copyOf(Objects.requireNonNull(queryModes, "queryModes")).stream().distinct().toList();
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(transport, "transport");
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--clients must list client counts >= 1: " + clients);
        }
        if (poolModes.isEmpty()) {
            throw new IllegalArgumentException("--pool-modes must list at least one pool mode");
        }
        if (queryModes.isEmpty()) {
            throw new IllegalArgumentException("--modes must list at least one query mode");
        }
        requirePositive("--duration", durationSeconds);
        requirePositive("--pool-size", poolSize);
        requirePositive("--rounds", rounds);
        requirePositive("--scale", scale);
    }

    /** Rounds of {@code workload}: --rounds, or the workload's minimum if that is more. */
    public int rounds(Workload workload) {
        return Math.max(rounds, workload.minRounds());
    }

    /** Seconds per run of {@code workload}: --duration, or the workload's minimum if that is more. */
    public int durationSeconds(Workload workload) {
        return Math.max(durationSeconds, workload.minSeconds());
    }

    public int maxClients() {
        return clients.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /**
     * The pool size of pgwarden and PgBouncer alike. In session mode a client keeps its server connection
     * for the whole session, so a pool smaller than the client count would leave clients waiting for a
     * connection (and pgbench stuck until the pool timeout): the pool gets at least one connection per
     * client. In transaction mode clients share the pool as requested, e.g. 100 clients on 16 connections.
     */
    public int poolSize(PoolMode mode) {
        return mode == PoolMode.SESSION ? Math.max(poolSize, maxClients()) : poolSize;
    }

    /** Whether session mode runs with a bigger pool than {@code --pool-size}. */
    public boolean sessionPoolRaised() {
        return poolModes.contains(PoolMode.SESSION) && poolSize(PoolMode.SESSION) != poolSize;
    }

    /**
     * Server connections all targets may hold at once (idle pool connections stay open between runs):
     * the clients of direct runs plus a full pool per pooler, pgwarden and PgBouncer, per pool mode.
     */
    public int serverConnections() {
        return maxClients() + 2 * poolModes.stream().mapToInt(this::poolSize).sum();
    }

    private static void requirePositive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1: " + value);
        }
    }
}
