package io.pgwarden.bench.throughput;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs pgbench for a fixed time against a target with per-transaction logging into a scratch
 * directory, which is read into a histogram and deleted before the next run.
 */
final class PgbenchRunner {

    private static final Logger log = LoggerFactory.getLogger(PgbenchRunner.class);

    static final String USER = "postgres";
    static final String PASSWORD = "postgres";
    static final String DATABASE = "postgres";

    /** Slack on top of -T for the vacuum pgbench runs first and for connecting. */
    private static final Duration SLACK = Duration.ofMinutes(2);

    private final Path scratchDir;

    /** @param scratchDir where transaction logs are written; this runner empties it after each run */
    PgbenchRunner(Path scratchDir) {
        this.scratchDir = scratchDir;
    }

    /**
     * pgbench's {@code -j}: a thread per CPU, never more threads than clients; with {@code -M prepared} a
     * thread per client. pgbench prepares a client's statements with blocking calls that stall every other
     * client of the same thread. In transaction mode with more clients than pool connections, a prepare
     * may have to wait for a server connection held by a client of its own thread, in the middle of a
     * transaction that only that stalled thread can finish: a deadlock until the pool timeout. With one
     * client per thread, a waiting prepare holds up nobody else.
     */
    static int threads(QueryMode mode, int clients, int cpus) {
        return mode == QueryMode.PREPARED ? clients : Math.max(1, Math.min(clients, cpus));
    }

    /** The pgbench options for one run, without connection options and database. */
    List<String> arguments(Workload workload, QueryMode mode, int clients, int durationSeconds, Path logPrefix) {
        List<String> args = new ArrayList<>(workload.pgbenchArgs());
        args.addAll(List.of("-M", mode.pgbenchName(),
                "-c", String.valueOf(clients),
                "-j", String.valueOf(threads(mode, clients, Runtime.getRuntime().availableProcessors())),
                "-T", String.valueOf(durationSeconds),
                "-l", "--log-prefix=" + logPrefix));
        return args;
    }

    /**
     * @throws IllegalStateException if pgbench printed no summary (it could not connect, or failed at once)
     */
    RunResult run(Target target, Workload workload, QueryMode mode, int clients, int durationSeconds) {
        Path logDir = newLogDir();
        try {
            List<String> args = arguments(workload, mode, clients, durationSeconds, logDir.resolve("tx"));
            Optional<Duration> cpuBefore = target.cpuTime();
            CommandResult result = ClientTools.pgbench(Duration.ofSeconds(durationSeconds).plus(SLACK),
                    target.host(), target.port(), USER, PASSWORD, DATABASE, args.toArray(String[]::new));
            Optional<Duration> cpu = cpuBefore.flatMap(before -> target.cpuTime().map(after -> after.minus(before)));
            log.debug("pgbench {} against {}: exit {}\n{}{}", args, target.name(), result.exitCode(),
                    result.stdout(), result.stderr());
            PgbenchSummary summary;
            try {
                summary = PgbenchSummary.parse(result.stdout());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("pgbench " + String.join(" ", args) + " against " + target.name()
                        + " failed with exit code " + result.exitCode() + ": " + result.stderr().strip(), e);
            }
            Histogram latencies = new Histogram(3);
            TransactionLog.readDir(logDir, latencies);
            String problem = result.succeeded() ? null
                    : "exit code " + result.exitCode() + ": " + lastLine(result.stderr());
            return new RunResult(summary, latencies, problem, cpu);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read pgbench transaction logs in " + logDir, e);
        } finally {
            deleteTree(logDir);
        }
    }

    private Path newLogDir() {
        try {
            return Files.createTempDirectory(scratchDir, "run-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory in " + scratchDir, e);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
