package io.pgwarden.ctl.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryTableTest {

    @Test
    void oneRowPerLineOldLinesWithoutTimestampOrLeader() {
        PatroniKeys keys = PatroniKeys.of("demo");
        PatroniCluster cluster = PatroniCluster.decode(keys, Map.of(keys.history(),
                "[[1,25165984,\"no recovery target specified\"],"
                        + "[2,50331744,\"no recovery target specified\",\"2026-11-23T13:01:33.1+00:00\",\"pg1\"]]"),
                new PatroniJson());
        String tsv = new TableWriter().format(HistoryTable.of(cluster), OutputFormat.TSV);
        assertThat(tsv).isEqualTo("""
                TL\tLSN\tReason\tTimestamp\tNew Leader
                1\t25165984\tno recovery target specified\t\t
                2\t50331744\tno recovery target specified\t2026-11-23T13:01:33.1+00:00\tpg1
                """);
        assertThat(new TableWriter().format(HistoryTable.of(cluster), OutputFormat.JSON))
                .startsWith("[{\"TL\":1,\"LSN\":25165984,\"Reason\":\"no recovery target specified\"},");
    }

    @Test
    void noHistoryIsAnEmptyTable() {
        PatroniCluster cluster = PatroniCluster.decode(PatroniKeys.of("x"), Map.of(), new PatroniJson());
        assertThat(new TableWriter().format(HistoryTable.of(cluster), OutputFormat.JSON)).isEqualTo("[]\n");
        assertThat(new TableWriter().format(HistoryTable.of(cluster), OutputFormat.YAML)).isEqualTo("[]\n");
        assertThat(new TableWriter().format(HistoryTable.of(cluster), OutputFormat.PRETTY)).contains("| TL | LSN |");
    }
}
