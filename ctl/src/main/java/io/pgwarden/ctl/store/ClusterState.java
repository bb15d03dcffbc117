package io.pgwarden.ctl.store;

import io.pgwarden.discovery.patroni.PatroniCluster;

import java.util.Objects;
import java.util.Optional;

/**
 * One linearizable read of a cluster's prefix.
 *
 * @param cluster            the keys, decoded
 * @param configJson         the raw {@code config} value, for edit-config (which keeps every key it does not know)
 * @param configModRevision  the {@code config} key's mod revision, 0 when it does not exist: the
 *                           compare-and-swap of edit-config compares against it
 * @param keyCount           how many keys the prefix holds
 */
public record ClusterState(PatroniCluster cluster, Optional<String> configJson, long configModRevision,
                           int keyCount) {

    public ClusterState {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(configJson, "configJson");
    }

    /** Whether nothing is stored under the prefix: a wrong scope or namespace, most likely. */
    public boolean isEmpty() {
        return keyCount == 0;
    }
}
