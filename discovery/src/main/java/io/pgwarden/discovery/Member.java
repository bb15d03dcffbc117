package io.pgwarden.discovery;

import java.util.Map;
import java.util.Objects;

/**
 * One PostgreSQL node as the topology sees it.
 *
 * @param state    Patroni's state string ({@code running}, {@code starting}, {@code stopped}, ...)
 * @param lagBytes replication lag in bytes, or -1 when unknown
 */
public record Member(String name, String host, int port, Role role, String state,
                     long timeline, long walPosition, long lagBytes, Map<String, String> tags) {

    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        tags = Map.copyOf(tags);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range for member " + name + ": " + port);
        }
    }

    /** A running member with nothing else known: what a static topology describes. */
    public static Member running(String name, String host, int port, Role role) {
        return new Member(name, host, port, role, "running", 0, 0, -1, Map.of());
    }

    public boolean isRunning() {
        return "running".equals(state);
    }

    public String address() {
        return host + ":" + port;
    }
}
