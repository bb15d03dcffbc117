package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import java.time.Duration;
import java.util.Optional;

/**
 * Something pgbench connects to: PostgreSQL itself or a pooler in front of it. A target is started
 * before the first run and closed after the last; adding one means a class like {@link PgwardenTarget}
 * and a line in {@link ThroughputBench}.
 */
public interface Target extends AutoCloseable {

    /** Short name for the table, e.g. {@code direct} or {@code pgwarden-txn}. */
    String name();

    /** One line for the report: what runs and how it is configured. */
    String description();

    /** The pool mode of a pooler; empty for PostgreSQL itself. */
    Optional<PoolMode> poolMode();

    /** Whether pgbench runs in {@code mode} against this target; a target that cannot is left out of those cases. */
    default boolean supports(QueryMode mode) {
        return true;
    }

    /**
     * CPU time (user + system) the target's own process has used so far, read before and after each
     * run; empty where it is not measured (PostgreSQL itself).
     */
    default Optional<Duration> cpuTime() {
        return Optional.empty();
    }

    String host();

    int port();

    /** Stops whatever the target started; safe to call more than once. */
    @Override
    void close();
}
