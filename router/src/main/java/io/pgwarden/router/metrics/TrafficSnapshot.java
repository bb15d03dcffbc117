package io.pgwarden.router.metrics;

/** Totals for one pool (database, user) since the router started: what SHOW STATS and /metrics report. */
public record TrafficSnapshot(String database, String user, long transactions, long queries,
                              long bytesReceived, long bytesSent, long transactionMicros, long queryMicros,
                              long waitMicros) {
}
