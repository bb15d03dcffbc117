package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The dynamic configuration in {@code config}. The fields the router and the agent act on are
 * typed; everything else ({@code postgresql}, {@code synchronous_mode}, {@code slots}, ...) is kept
 * in {@link #other()} in its order, so a read-modify-write loses nothing.
 *
 * @param ttl                  leader key lease, seconds (Patroni's default 30)
 * @param loopWait             seconds between HA loop runs (default 10)
 * @param retryTimeout         seconds a DCS or PostgreSQL operation may be retried (default 10)
 * @param maximumLagOnFailover bytes a replica may lag and still be promoted (default 1 MiB)
 * @param pause                maintenance mode: Patroni does not act
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover"})
public record ClusterConfig(
        @JsonProperty("ttl") Integer ttl,
        @JsonProperty("loop_wait") Integer loopWait,
        @JsonProperty("retry_timeout") Integer retryTimeout,
        @JsonProperty("maximum_lag_on_failover") Long maximumLagOnFailover,
        @JsonProperty("pause") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean pause,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

    public ClusterConfig {
        // Insertion order kept (Map.copyOf would lose it); values may be null, as in JSON.
        other = Collections.unmodifiableMap(other == null ? new LinkedHashMap<>() : new LinkedHashMap<>(other));
    }

    /** The defaults Patroni bootstraps a cluster with. */
    public static ClusterConfig defaults() {
        return new ClusterConfig(30, 10, 10, 1_048_576L, false, Map.of());
    }

    /** The lease TTL, if set. */
    public Optional<Duration> ttlDuration() {
        return Optional.ofNullable(ttl).map(Duration::ofSeconds);
    }

    public Optional<Duration> loopWaitDuration() {
        return Optional.ofNullable(loopWait).map(Duration::ofSeconds);
    }

    public Optional<Duration> retryTimeoutDuration() {
        return Optional.ofNullable(retryTimeout).map(Duration::ofSeconds);
    }
}
