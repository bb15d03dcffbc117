package io.pgwarden.ctl.view;

import io.pgwarden.discovery.patroni.HistoryEntry;
import io.pgwarden.discovery.patroni.PatroniCluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code history} key as a table: one line per timeline that ended (TL, LSN, Reason, Timestamp, New Leader). */
public final class HistoryTable {

    private HistoryTable() {
    }

    public static Table of(PatroniCluster cluster) {
        List<List<Object>> rows = new ArrayList<>();
        for (HistoryEntry entry : cluster.history().orElse(List.of())) {
            List<Object> row = new ArrayList<>();
            row.add(entry.timeline());
            row.add(entry.lsn());
            row.add(entry.reason());
            row.add(entry.timestamp().orElse(null));
            row.add(entry.newLeader().orElse(null));
            rows.add(row);
        }
        return new Table(Optional.empty(), List.of("TL", "LSN", "Reason", "Timestamp", "New Leader"), rows,
                Set.of("TL", "LSN"), Set.of());
    }
}
