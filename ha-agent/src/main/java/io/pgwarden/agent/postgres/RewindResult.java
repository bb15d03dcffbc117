package io.pgwarden.agent.postgres;

import java.util.Objects;

/**
 * What pg_rewind did.
 *
 * @param succeeded whether it exited with 0 (including "no rewind required")
 * @param output    everything it printed, stdout and stderr interleaved
 */
public record RewindResult(boolean succeeded, String output) {

    public RewindResult {
        Objects.requireNonNull(output, "output");
    }
}
