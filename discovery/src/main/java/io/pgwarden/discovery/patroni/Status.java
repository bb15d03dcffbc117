package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The leader's last reported position in {@code status}: {@code {"optime": lsn, "slots": {name: lsn},
 * "retain_slots": [...]}}.
 *
 * @param optime the leader's WAL position in bytes, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"optime", "slots", "retain_slots"})
public record Status(
        @JsonProperty("optime") @JsonDeserialize(using = LsnDeserializer.class) Long optime,
        @JsonProperty("slots") Map<String, Long> slots,
        @JsonProperty("retain_slots") List<String> retainSlots) {

    public Status {
        slots = slots == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(slots));
        retainSlots = retainSlots == null ? null : List.copyOf(retainSlots);
    }

    public static Status of(long optime) {
        return new Status(optime, null, null);
    }
}
