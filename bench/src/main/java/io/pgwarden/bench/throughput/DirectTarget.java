package io.pgwarden.bench.throughput;

import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.PoolMode;

import java.util.Optional;

/** The PostgreSQL server itself, the baseline every other target is compared with. */
public final class DirectTarget implements Target {

    public static final String NAME = "direct";

    private final PostgresNode server;

    public DirectTarget(PostgresNode server) {
        this.server = server;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "PostgreSQL itself, no pooler";
    }

    @Override
    public Optional<PoolMode> poolMode() {
        return Optional.empty();
    }

    @Override
    public String host() {
        return server.host();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        // The server belongs to the cluster, which the bench closes.
    }
}
