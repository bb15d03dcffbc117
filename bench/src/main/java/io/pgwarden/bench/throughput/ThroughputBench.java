package io.pgwarden.bench.throughput;

import java.nio.file.Path;

/** Placeholder being replaced in this change. */
public final class ThroughputBench {
    public ThroughputBench(int[] clients, int durationSeconds, int poolSize, int rounds, Path output) {
    }

    public void run() {
        throw new UnsupportedOperationException("not yet");
    }
}
