package io.pgwarden.bench.throughput;

import java.util.Objects;

/** One row group of the table: a workload in a query mode with a client count, run against every target. */
record Case(Workload workload, QueryMode mode, int clients) {

    Case {
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(mode, "mode");
    }
}
