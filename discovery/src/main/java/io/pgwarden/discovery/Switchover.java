package io.pgwarden.discovery;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A requested switchover or failover, as the store holds it (Patroni's {@code failover} key).
 *
 * @param leader      the leader it moves away from, when the request names one
 * @param candidate   the member it should move to, when the request names one
 * @param scheduledAt when it is to happen, for a scheduled switchover; empty means at once
 */
public record Switchover(Optional<String> leader, Optional<String> candidate, Optional<Instant> scheduledAt) {

    public Switchover {
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(scheduledAt, "scheduledAt");
    }

    /** Whether it is due at {@code now}: unscheduled, or its time has come. */
    public boolean isDue(Instant now) {
        return scheduledAt.map(at -> !at.isAfter(now)).orElse(true);
    }
}
