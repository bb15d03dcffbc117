package io.pgwarden.discovery.drain;

import io.pgwarden.discovery.patroni.PatroniKeys;

import java.util.Objects;
import java.util.Optional;

/** Where the switchover coordination lives, below the cluster's Patroni prefix. */
public record DrainKeys(PatroniKeys keys) {

    public static final String DRAIN = "drain";
    public static final String ROUTERS = "routers/";
    public static final String DRAINED = "drained/";

    public DrainKeys {
        Objects.requireNonNull(keys, "keys");
    }

    public String drain() {
        return keys.prefix() + DRAIN;
    }

    public String routersPrefix() {
        return keys.prefix() + ROUTERS;
    }

    public String router(String id) {
        return routersPrefix() + checked(id);
    }

    public String drainedPrefix() {
        return keys.prefix() + DRAINED;
    }

    public String drained(String id) {
        return drainedPrefix() + checked(id);
    }

    /** The router id of a {@code routers/<id>} or {@code drained/<id>} key below {@code prefix}. */
    public static Optional<String> idBelow(String prefix, String key) {
        return key.startsWith(prefix) && key.length() > prefix.length() && key.indexOf('/', prefix.length()) < 0
                ? Optional.of(key.substring(prefix.length())) : Optional.empty();
    }

    private static String checked(String id) {
        if (id == null || id.isEmpty() || id.contains("/")) {
            throw new IllegalArgumentException("router id must be non-empty and without '/': \"" + id + "\"");
        }
        return id;
    }
}
