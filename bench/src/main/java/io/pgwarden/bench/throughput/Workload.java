package io.pgwarden.bench.throughput;

import java.util.List;

/** The pgbench scripts compared, each with the options that select it. */
public enum Workload {
    SELECT_ONLY("select-only", List.of("-S"), 1, 1),
    TPC_B("tpc-b", List.of(), 1, 1),
    /**
     * Select-only with a new connection per transaction: what the pool saves on login and fork. Its
     * rate swings with every process the machine starts meanwhile, so it gets at least 3 rounds of 8 s.
     */
    CONNECT_STORM("select-only, new connection per tx", List.of("-S", "-C"), 3, 8);

    private final String label;
    private final List<String> pgbenchArgs;
    private final int minRounds;
    private final int minSeconds;

    Workload(String label, List<String> pgbenchArgs, int minRounds, int minSeconds) {
        this.label = label;
        this.pgbenchArgs = pgbenchArgs;
        this.minRounds = minRounds;
        this.minSeconds = minSeconds;
    }

    /** Rounds this workload needs at least, whatever --rounds says. */
    public int minRounds() {
        return minRounds;
    }

    /** Seconds per run this workload needs at least, whatever --duration says. */
    public int minSeconds() {
        return minSeconds;
    }

    public String label() {
        return label;
    }

    public List<String> pgbenchArgs() {
        return pgbenchArgs;
    }
}
