package io.pgwarden.agent.postgres;

/**
 * One row of the primary's {@code pg_stat_replication}.
 *
 * @param applicationName the standby's {@code application_name} (its member name)
 * @param clientAddr      the standby's address, {@code null} over a Unix socket
 * @param state           {@code startup}, {@code catchup}, {@code streaming}, {@code backup}, {@code stopping}
 * @param syncState       {@code async}, {@code potential}, {@code sync} or {@code quorum}
 * @param flushLsn        WAL the standby has made durable, {@code null} until it reports
 * @param replayLsn       WAL the standby has replayed, {@code null} until it reports
 */
public record ReplicationRow(String applicationName, String usename, String clientAddr, String state,
                             String syncState, int syncPriority, Long flushLsn, Long replayLsn) {
}
