package io.pgwarden.pool;

import java.util.Objects;

/** One pool per PostgreSQL node, database and user: connections within it are interchangeable. */
public record PoolKey(String node, String host, int port, String database, String user) {

    public PoolKey {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
    }

    @Override
    public String toString() {
        return user + "@" + node + "(" + host + ":" + port + ")/" + database;
    }
}
