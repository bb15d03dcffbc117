package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One pgbench run against one target.
 *
 * @param latencies per-transaction latencies in microseconds, from pgbench's transaction log
 * @param problem   {@code null}, or why pgbench exited non-zero (clients aborted) though it printed a summary
 * @param cpu       CPU time the target's process used during the run, where measured
 */
record RunResult(PgbenchSummary summary, Histogram latencies, String problem, Optional<Duration> cpu) {

    RunResult {
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(latencies, "latencies");
    }

    /** The target's CPU time per transaction in microseconds, or NaN where not measured. */
    double cpuMicrosPerTransaction() {
        long transactions = summary.transactions();
        return cpu.isEmpty() || transactions == 0 ? Double.NaN : cpu.get().toNanos() / 1000.0 / transactions;
    }

    double p99Ms() {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(99.0) / 1000.0;
    }
}
