package io.pgwarden.discovery.drain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;
import java.util.Objects;

/**
 * A switchover being carried out: the leader asks every router to drain it before it stops.
 *
 * @param id        unique per switchover, echoed by each router's acknowledgement
 * @param leader    the member being drained (it still holds the leader key)
 * @param candidate the member to be promoted
 * @param timeoutMs how long routers may let transactions run on {@code leader}; the leader waits no longer
 * @param lastLsn   the stopped leader's shutdown checkpoint, once it is stopped: the candidate promotes
 *                  only after receiving WAL past it; null while draining
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Drain(@JsonProperty("id") String id,
                    @JsonProperty("leader") String leader,
                    @JsonProperty("candidate") String candidate,
                    @JsonProperty("timeout_ms") long timeoutMs,
                    @JsonProperty("last_lsn") Long lastLsn) {

    public Drain {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(candidate, "candidate");
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeout_ms must be positive: " + timeoutMs);
        }
    }

    public Duration timeout() {
        return Duration.ofMillis(timeoutMs);
    }

    /** This drain once the leader is stopped at {@code lsn}. */
    public Drain stoppedAt(long lsn) {
        return new Drain(id, leader, candidate, timeoutMs, lsn);
    }
}
