package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import java.util.Optional;

/** A target that is never connected to, for tests of what runs where and of the report. */
record StubTarget(String name, PoolMode mode, boolean prepared) implements Target {

    @Override
    public String description() {
        return name + " described";
    }

    @Override
    public Optional<PoolMode> poolMode() {
        return Optional.ofNullable(mode);
    }

    @Override
    public boolean supports(QueryMode queryMode) {
        return prepared || queryMode != QueryMode.PREPARED;
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return 1;
    }

    @Override
    public void close() {
    }
}
