package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;

import java.util.Objects;

/**
 * One pgbench run against one target.
 *
 * @param latencies per-transaction latencies in microseconds, from pgbench's transaction log
 * @param problem   {@code null}, or why pgbench exited non-zero (clients aborted) though it printed a summary
 */
record RunResult(PgbenchSummary summary, Histogram latencies, String problem) {

    RunResult {
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(latencies, "latencies");
    }

    double p99Ms() {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(99.0) / 1000.0;
    }
}
