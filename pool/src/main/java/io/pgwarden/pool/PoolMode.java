package io.pgwarden.pool;

import java.util.Locale;

/** How long a client keeps a server connection. */
public enum PoolMode {
    /** From login to logout. */
    SESSION,
    /** From the first message of a transaction to the ReadyForQuery that ends it. */
    TRANSACTION;

    public static PoolMode parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "session" -> SESSION;
            case "transaction" -> TRANSACTION;
            default -> throw new IllegalArgumentException("must be session or transaction, got '" + text + "'");
        };
    }
}
