package io.pgwarden.bench.throughput;

/**
 * Something pgbench connects to: PostgreSQL itself or a pooler in front of it. A target is started
 * before the first run and closed after the last; adding one (PgBouncer, another pool mode) means a
 * class like {@link PgwardenTarget} and a line in {@link ThroughputBench}.
 */
public interface Target extends AutoCloseable {

    /** Short name for the table, e.g. {@code direct} or {@code pgwarden}. */
    String name();

    /** One line for the report: what runs and how it is configured. */
    String description();

    String host();

    int port();

    /** Stops whatever the target started; safe to call more than once. */
    @Override
    void close();
}
