package io.pgwarden.bench.throughput;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * pgbench's {@code -M}: the simple query protocol, Parse/Bind/Execute with unnamed statements, or
 * named statements prepared once per connection and then only bound and executed.
 */
public enum QueryMode {
    SIMPLE("simple"),
    EXTENDED("extended"),
    PREPARED("prepared");

    private final String pgbenchName;

    QueryMode(String pgbenchName) {
        this.pgbenchName = pgbenchName;
    }

    /** The value of {@code -M}, also shown in the report and taken by {@code --modes}. */
    public String pgbenchName() {
        return pgbenchName;
    }

    /** @throws IllegalArgumentException naming the valid values */
    public static QueryMode parse(String name) {
        return Arrays.stream(values()).filter(m -> m.pgbenchName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown query mode '" + name + "', expected one of "
                        + Arrays.stream(values()).map(QueryMode::pgbenchName).collect(Collectors.joining(", "))));
    }
}
