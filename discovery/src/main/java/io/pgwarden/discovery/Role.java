package io.pgwarden.discovery;

/** What a member does in the cluster, as Patroni's {@code role} field says it. */
public enum Role {
    PRIMARY,
    REPLICA,
    STANDBY_LEADER,
    UNKNOWN;

    /** Parses Patroni's spelling; {@code master} is what Patroni before 3.0 wrote for a primary. */
    public static Role parse(String value) {
        if (value == null) {
            return UNKNOWN;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "primary", "master" -> PRIMARY;
            case "replica" -> REPLICA;
            case "standby_leader", "standby-leader" -> STANDBY_LEADER;
            default -> UNKNOWN;
        };
    }
}
