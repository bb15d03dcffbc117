package io.pgwarden.bench.throughput;

import java.util.List;

/** The pgbench scripts compared, each with the options that select it. */
public enum Workload {
    SELECT_ONLY("select-only", List.of("-S")),
    TPC_B("tpc-b", List.of()),
    /** Select-only with a new connection per transaction: what the pool saves on login and fork. */
    CONNECT_STORM("select-only, new connection per tx", List.of("-S", "-C"));

    private final String label;
    private final List<String> pgbenchArgs;

    Workload(String label, List<String> pgbenchArgs) {
        this.label = label;
        this.pgbenchArgs = pgbenchArgs;
    }

    public String label() {
        return label;
    }

    public List<String> pgbenchArgs() {
        return pgbenchArgs;
    }
}
