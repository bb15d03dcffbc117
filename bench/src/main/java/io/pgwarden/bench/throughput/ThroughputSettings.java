package io.pgwarden.bench.throughput;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code pgwarden bench throughput} was asked to do.
 *
 * @param clients         pgbench client counts, each run as its own case
 * @param durationSeconds length of one pgbench run ({@code -T})
 * @param poolSize        requested router pool size; session mode raises it to the largest client count
 * @param rounds          interleaved rounds per case; the table shows the median
 * @param scale           {@code pgbench -i -s}
 * @param output          markdown file whose throughput section is replaced, or {@code null}
 * @param commandLine     the command as typed, quoted into the report
 */
public record ThroughputSettings(List<Integer> clients, int durationSeconds, int poolSize, int rounds, int scale,
                                 Path output, String commandLine) {

    public ThroughputSettings {
        clients = List.copyOf(Objects.requireNonNull(clients, "clients"));
        Objects.requireNonNull(commandLine, "commandLine");
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--clients must list client counts >= 1: " + clients);
        }
        requirePositive("--duration", durationSeconds);
        requirePositive("--pool-size", poolSize);
        requirePositive("--rounds", rounds);
        requirePositive("--scale", scale);
    }

    public int maxClients() {
        return clients.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /**
     * The router's pool size. In session mode a client keeps its server connection for the whole
     * session, so a pool smaller than the client count would leave clients waiting for a connection
     * (and pgbench stuck until the pool timeout): the pool gets at least one connection per client.
     */
    public int sessionPoolSize() {
        return Math.max(poolSize, maxClients());
    }

    private static void requirePositive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1: " + value);
        }
    }
}
