package io.pgwarden.agent.loop;

import java.util.Locale;

/** Patroni 4's {@code synchronous_mode}. */
public enum SyncMode {
    OFF, ON, QUORUM;

    /** {@code off|on|quorum}, also YAML/JSON booleans as Patroni reads them. */
    public static SyncMode parse(Object value) {
        if (value == null) {
            return OFF;
        }
        return switch (String.valueOf(value).strip().toLowerCase(Locale.ROOT)) {
            case "off", "false", "no", "0" -> OFF;
            case "on", "true", "yes", "1" -> ON;
            case "quorum" -> QUORUM;
            default -> throw new IllegalArgumentException("synchronous_mode must be off, on or quorum, got '" + value + "'");
        };
    }

    /** The cluster's {@code synchronous_mode} from its {@code config} key; off when absent or unreadable. */
    public static SyncMode of(io.pgwarden.discovery.patroni.PatroniCluster cluster) {
        Object value = cluster.config().map(c -> c.other().get("synchronous_mode")).orElse(null);
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            return OFF;
        }
    }
}
