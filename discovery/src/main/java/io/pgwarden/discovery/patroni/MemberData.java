package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON in {@code members/<name>}, as Patroni's {@code Ha.touch_member} writes it. Only
 * {@code conn_url}, {@code api_url}, {@code state}, {@code role} and {@code version} are always
 * there; absent fields are null (or false), and fields this version does not know are ignored.
 *
 * @param connUrl          {@code postgres://host:port/db}
 * @param connKwargs       what very old Patroni wrote instead of {@code conn_url}: {@code host},
 *                         {@code port}, {@code dbname}
 * @param role             {@code primary} ({@code master} before Patroni 3.1), {@code replica},
 *                         {@code standby_leader}, ...
 * @param xlogLocation     WAL position: written on a primary, max(received, replayed) on a replica
 * @param replayLsn        replayed position (newer Patroni)
 * @param receiveLsn       received position (newer Patroni)
 * @param replicationState {@code streaming} or {@code in archive recovery} (newer Patroni)
 * @param tags             {@code nofailover}, {@code noloadbalance}, {@code clonefrom},
 *                         {@code replicatefrom}, {@code nosync}, ... (booleans, strings or numbers)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"conn_url", "api_url", "state", "role", "version", "proxy_url", "checkpoint_after_promote",
        "tags", "pending_restart", "xlog_location", "replay_lsn", "receive_lsn", "replication_state", "timeline",
        "scheduled_restart", "pause"})
public record MemberData(
        @JsonProperty("conn_url") String connUrl,
        @JsonProperty("conn_kwargs") Map<String, Object> connKwargs,
        @JsonProperty("api_url") String apiUrl,
        @JsonProperty("proxy_url") String proxyUrl,
        @JsonProperty("state") String state,
        @JsonProperty("role") String role,
        @JsonProperty("version") String version,
        @JsonProperty("xlog_location") @JsonDeserialize(using = LsnDeserializer.class) Long xlogLocation,
        @JsonProperty("replay_lsn") @JsonDeserialize(using = LsnDeserializer.class) Long replayLsn,
        @JsonProperty("receive_lsn") @JsonDeserialize(using = LsnDeserializer.class) Long receiveLsn,
        @JsonProperty("replication_state") String replicationState,
        @JsonProperty("timeline") Long timeline,
        @JsonProperty("tags") Map<String, Object> tags,
        @JsonProperty("checkpoint_after_promote") Boolean checkpointAfterPromote,
        @JsonProperty("pending_restart") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean pendingRestart,
        @JsonProperty("scheduled_restart") Map<String, Object> scheduledRestart,
        @JsonProperty("pause") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean pause) {

    public MemberData {
        // Copies that keep Patroni's order (Map.copyOf would not) and allow JSON nulls.
        connKwargs = copy(connKwargs);
        tags = copy(tags);
        scheduledRestart = copy(scheduledRestart);
    }

    /** The fields every member writes; everything else absent. */
    public static MemberData of(String connUrl, String apiUrl, String state, String role, String version) {
        return new MemberData(connUrl, null, apiUrl, null, state, role, version, null, null, null, null, null,
                null, null, false, null, false);
    }

    private static Map<String, Object> copy(Map<String, Object> map) {
        return map == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** Host and port from {@code conn_url} (or the legacy {@code conn_kwargs}). */
    public ConnUrl address() {
        if (connUrl != null && !connUrl.isBlank()) {
            return ConnUrl.parse(connUrl);
        }
        if (connKwargs != null && connKwargs.get("host") != null) {
            Object port = connKwargs.getOrDefault("port", ConnUrl.DEFAULT_PORT);
            try {
                return new ConnUrl(String.valueOf(connKwargs.get("host")), Integer.parseInt(String.valueOf(port)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in conn_kwargs: " + port, e);
            }
        }
        throw new IllegalArgumentException("neither conn_url nor conn_kwargs");
    }

    /** Patroni's default when {@code state} is missing is {@code unknown}. */
    public String stateOrUnknown() {
        return state == null ? "unknown" : state;
    }

    /** The tags, values as text ({@code true}, {@code false}, a member name, a number). */
    public Map<String, String> tagsAsText() {
        if (tags == null) {
            return Map.of();
        }
        Map<String, String> text = new java.util.TreeMap<>();
        tags.forEach((k, v) -> text.put(k, String.valueOf(v)));
        return Map.copyOf(text);
    }

    /** A boolean tag; Patroni also accepts the strings {@code true}/{@code yes}/{@code on}. */
    public boolean tag(String name) {
        Object value = tags == null ? null : tags.get(name);
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            return switch (s.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                default -> false;
            };
        }
        return value instanceof Number n && n.longValue() != 0;
    }

    public boolean noFailover() {
        return tag("nofailover");
    }

    public boolean noLoadBalance() {
        return tag("noloadbalance");
    }

    public OptionalLong timelineValue() {
        return timeline == null ? OptionalLong.empty() : OptionalLong.of(timeline);
    }

    /** Its WAL position: {@code xlog_location}, else the larger of received and replayed. */
    public OptionalLong walPosition() {
        if (xlogLocation != null) {
            return OptionalLong.of(xlogLocation);
        }
        if (replayLsn != null || receiveLsn != null) {
            return OptionalLong.of(Math.max(replayLsn == null ? 0 : replayLsn, receiveLsn == null ? 0 : receiveLsn));
        }
        return OptionalLong.empty();
    }

    /**
     * The position reads on it can see: {@code replay_lsn} when reported, else its
     * {@code xlog_location}, else {@code receive_lsn}.
     */
    public OptionalLong readablePosition() {
        if (replayLsn != null) {
            return OptionalLong.of(replayLsn);
        }
        if (xlogLocation != null) {
            return OptionalLong.of(xlogLocation);
        }
        return receiveLsn == null ? OptionalLong.empty() : OptionalLong.of(receiveLsn);
    }

    public Optional<String> replicationStateValue() {
        return Optional.ofNullable(replicationState);
    }
}
