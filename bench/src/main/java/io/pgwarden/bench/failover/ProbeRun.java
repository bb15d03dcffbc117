package io.pgwarden.bench.failover;

import java.util.List;
import java.util.Objects;

/**
 * One probe in one run: its figures, every attempt (for the timeline plot) and its latencies.
 *
 * @param p99Micros 99th percentile of acknowledged writes' latency, from the probe's HdrHistogram
 * @param maxMicros the slowest acknowledged write
 */
public record ProbeRun(ProbeResult result, List<Attempt> attempts, long p99Micros, long maxMicros) {

    public ProbeRun {
        Objects.requireNonNull(result, "result");
        attempts = List.copyOf(attempts);
    }

    public String probe() {
        return result.probe();
    }
}
