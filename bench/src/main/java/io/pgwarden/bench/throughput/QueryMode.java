package io.pgwarden.bench.throughput;

/** pgbench's {@code -M}: the simple query protocol, or Parse/Bind/Execute with unnamed statements. */
public enum QueryMode {
    SIMPLE("simple"),
    EXTENDED("extended");

    private final String pgbenchName;

    QueryMode(String pgbenchName) {
        this.pgbenchName = pgbenchName;
    }

    /** The value of {@code -M}, also shown in the report. */
    public String pgbenchName() {
        return pgbenchName;
    }
}
