package io.pgwarden.discovery.patroni;

import java.util.Objects;
import java.util.Optional;

/**
 * One line of the timeline history in {@code history}: {@code [timeline, lsn, reason, timestamp,
 * new_leader]}, where the last two may be missing (older Patroni, or lines from before it ran).
 *
 * @param timeline  the timeline that ended (the next one starts at {@code lsn})
 * @param lsn       where it ended, in bytes
 * @param reason    PostgreSQL's reason text ({@code no recovery target specified})
 * @param timestamp when the promotion happened, ISO 8601, if known
 * @param newLeader who was promoted, if known
 */
public record HistoryEntry(long timeline, long lsn, String reason, Optional<String> timestamp,
                           Optional<String> newLeader) {

    public HistoryEntry {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(newLeader, "newLeader");
        if (timestamp.isEmpty() && newLeader.isPresent()) {
            throw new IllegalArgumentException("a history line with a new leader needs a timestamp");
        }
    }
}
