package io.pgwarden.agent.loop;

import java.util.Set;

/**
 * The leader's next step for synchronous replication, in Patroni's order: first shrink the {@code sync}
 * key to the standbys that are confirmed synchronous now (so nobody who might miss a commit can be
 * promoted), then set {@code synchronous_standby_names}, and only once a standby is confirmed
 * synchronous widen the key to it.
 *
 * @param keyBefore write the sync key to this set first (null: leave it)
 * @param standbyNames the value for synchronous_standby_names
 * @param keyAfter  then write the key to this set (null: leave it)
 * @param quorum    the quorum written with the key (quorum mode), else null
 */
public record SyncPlan(Set<String> keyBefore, String standbyNames, Set<String> keyAfter, Integer quorum) {
}
