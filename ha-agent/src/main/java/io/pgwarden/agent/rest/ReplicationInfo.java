package io.pgwarden.agent.rest;

/**
 * One standby streaming from this node, as {@code pg_stat_replication} shows it; listed under
 * {@code replication} in {@code /patroni} on a primary.
 *
 * @param usename         the replication role
 * @param applicationName the standby's {@code application_name} (Patroni sets it to the member name)
 * @param clientAddr      the standby's address, null for a Unix socket
 * @param state           {@code streaming}, {@code catchup}, {@code startup}, ...
 * @param syncState       {@code async}, {@code sync}, {@code potential} or {@code quorum}
 * @param syncPriority    its priority in {@code synchronous_standby_names}, 0 when asynchronous
 */
public record ReplicationInfo(String usename, String applicationName, String clientAddr, String state,
                              String syncState, int syncPriority) {
}
