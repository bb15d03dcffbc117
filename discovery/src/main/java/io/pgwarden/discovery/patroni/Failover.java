package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.pgwarden.discovery.Switchover;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A switchover or failover request in {@code failover}: {@code {"leader": old, "member": candidate,
 * "scheduled_at": iso}}. Patroni clears it by writing {@code {}}; a request naming neither a leader
 * nor a candidate is no request.
 *
 * @param candidate   Patroni calls this field {@code member}
 * @param scheduledAt ISO 8601 as Patroni writes it ({@code 2026-11-23T13:01:33+00:00})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"leader", "member", "scheduled_at", "drain"})
public record Failover(
        @JsonProperty("leader") String leader,
        @JsonProperty("member") String candidate,
        @JsonProperty("scheduled_at") String scheduledAt,
        @JsonProperty("drain") Boolean drain) {

    /** A request as Patroni writes it. */
    public Failover(String leader, String candidate, String scheduledAt) {
        this(leader, candidate, scheduledAt, null);
    }

    /**
     * Written by pgwarden agents (Patroni ignores the field): the leader will announce a
     * {@code drain} before it stops, so routers keep sending work until then instead of holding it
     * from the moment of the request.
     */
    @JsonIgnore
    public boolean coordinated() {
        return Boolean.TRUE.equals(drain);
    }

    /** A coordinated request whose candidate is {@code member}. */
    public boolean coordinatedTo(String member) {
        return coordinated() && member != null && member.equals(candidate);
    }

    /** Whether it names a leader or a candidate (Patroni's {@code len(failover) > 0}). */
    @JsonIgnore
    public boolean isRequest() {
        return leader != null && !leader.isEmpty() || candidate != null && !candidate.isEmpty();
    }

    /**
     * When it is scheduled; empty when not scheduled.
     *
     * @throws IllegalArgumentException if {@code scheduled_at} is not an ISO 8601 time
     */
    public Optional<Instant> scheduledInstant() {
        if (scheduledAt == null || scheduledAt.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(scheduledAt).toInstant());
        } catch (DateTimeParseException withoutOffset) {
            try {
                return Optional.of(LocalDateTime.parse(scheduledAt).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("scheduled_at is not an ISO 8601 time: \"" + scheduledAt + "\"", e);
            }
        }
    }

    /** The topology's view of it. */
    public Switchover toSwitchover() {
        return new Switchover(Optional.ofNullable(leader).filter(s -> !s.isEmpty()),
                Optional.ofNullable(candidate).filter(s -> !s.isEmpty()), scheduledInstant());
    }
}
