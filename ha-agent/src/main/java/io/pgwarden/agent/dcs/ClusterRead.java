package io.pgwarden.agent.dcs;

import io.pgwarden.discovery.patroni.PatroniCluster;

/**
 * One linearizable read of the cluster's prefix.
 *
 * @param cluster       the decoded keys
 * @param revision      the store's revision at the read
 * @param clusterId     the store's cluster id: it changes when etcd is replaced by a new, empty one
 * @param leaderLease   the lease the leader key sits on, 0 without a key
 * @param readAtNanos   {@link System#nanoTime()} when the read was sent
 */
public record ClusterRead(PatroniCluster cluster, long revision, long clusterId, long leaderLease, long readAtNanos) {
}
