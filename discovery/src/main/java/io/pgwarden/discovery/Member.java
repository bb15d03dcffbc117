package io.pgwarden.discovery;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One PostgreSQL node as the topology sees it.
 *
 * @param state            Patroni's state string ({@code running}, {@code starting}, {@code stopped}, ...)
 * @param timeline         the timeline it reports, or 0 when unknown
 * @param walPosition      its WAL position in bytes (written on a primary, received or replayed on a
 *                         replica), or 0 when unknown
 * @param lagBytes         replication lag in bytes behind the leader, or -1 when unknown
 * @param tags             Patroni's tags ({@code nofailover}, {@code noloadbalance}, ...), values as text
 * @param replicationState Patroni's {@code replication_state} ({@code streaming}, {@code in archive
 *                         recovery}), when the member reports one (newer Patroni; 3.0.2 does not)
 */
public record Member(String name, String host, int port, Role role, String state,
                     long timeline, long walPosition, long lagBytes, Map<String, String> tags,
                     Optional<String> replicationState) {

    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(replicationState, "replicationState");
        tags = Map.copyOf(tags);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range for member " + name + ": " + port);
        }
    }

    /** A running member with nothing else known: what a static topology describes. */
    public static Member running(String name, String host, int port, Role role) {
        return new Member(name, host, port, role, "running", 0, 0, -1, Map.of(), Optional.empty());
    }

    public boolean isRunning() {
        return "running".equals(state);
    }

    public String address() {
        return host + ":" + port;
    }
}
