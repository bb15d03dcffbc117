package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Arrays;
import java.util.List;

/**
 * Synchronous replication state in {@code sync}: {@code {"leader": name, "sync_standby": "a,b" or null}}
 * ({@code quorum} in newer Patroni).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"leader", "sync_standby", "quorum"})
public record SyncState(
        @JsonProperty("leader") String leader,
        @JsonProperty("sync_standby") String syncStandby,
        @JsonProperty("quorum") @JsonInclude(JsonInclude.Include.NON_NULL) Integer quorum) {

    /** The synchronous standbys' names. */
    public List<String> syncStandbys() {
        if (syncStandby == null) {
            return List.of();
        }
        return Arrays.stream(syncStandby.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Whether {@code name} is the leader or one of the synchronous standbys. */
    public boolean matches(String name) {
        return name != null && (name.equals(leader) || syncStandbys().contains(name));
    }
}
