package io.pgwarden.pool;

import java.util.Locale;

/** How long a client keeps a server connection. */
public enum PoolMode {
    /** From login to logout. */
    SESSION("session", "session"),
    /** From the first message of a transaction to the ReadyForQuery that ends it. */
    TRANSACTION("transaction", "txn");

    private final String configName;
    private final String shortName;

    PoolMode(String configName, String shortName) {
        this.configName = configName;
        this.shortName = shortName;
    }

    /** As written in configs: pgwarden's {@code pool.mode}, PgBouncer's {@code pool_mode}. */
    public String configName() {
        return configName;
    }

    /** A short label for reports and names, e.g. {@code pgwarden-txn}. */
    public String shortName() {
        return shortName;
    }

    public static PoolMode parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "session" -> SESSION;
            case "transaction" -> TRANSACTION;
            default -> throw new IllegalArgumentException("must be session or transaction, got '" + text + "'");
        };
    }
}
