package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The rounds of one case against one target, summed up. */
final class CaseStats {

    private final List<RunResult> runs = new ArrayList<>();
    private final Histogram latencies = new Histogram(3);

    void add(RunResult run) {
        runs.add(run);
        latencies.add(run.latencies());
    }

    int rounds() {
        return runs.size();
    }

    double medianTps() {
        return median(runs.stream().mapToDouble(r -> r.summary().tps()).toArray());
    }

    /** The median of pgbench's per-run latency average. */
    double medianLatencyAvgMs() {
        return median(runs.stream().mapToDouble(r -> r.summary().latencyAvgMs()).toArray());
    }

    /** The median over rounds of the target's CPU time per transaction (µs); NaN where not measured. */
    double medianCpuMicrosPerTransaction() {
        double[] values = runs.stream().mapToDouble(RunResult::cpuMicrosPerTransaction).filter(v -> !Double.isNaN(v)).toArray();
        return median(values);
    }

    /** The 99th percentile over the transactions of all rounds. */
    double p99Ms() {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(99.0) / 1000.0;
    }

    long failed() {
        return runs.stream().mapToLong(r -> r.summary().failed()).sum();
    }

    /** Rounds in which pgbench reported aborted clients. */
    long aborted() {
        return runs.stream().filter(r -> r.problem() != null).count();
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
