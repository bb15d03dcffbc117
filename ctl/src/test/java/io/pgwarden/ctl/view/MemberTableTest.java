package io.pgwarden.ctl.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemberTableTest {

    private static final PatroniKeys KEYS = PatroniKeys.of("demo");
    private final TableWriter writer = new TableWriter();

    private static String member(int port, String role, long lsn, String extra) {
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:" + (port + 1000)
                + "/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\",\"xlog_location\":"
                + lsn + ",\"timeline\":2" + extra + "}";
    }

    private static PatroniCluster cluster(Map<String, String> relative) {
        Map<String, String> kvs = new LinkedHashMap<>();
        relative.forEach((k, v) -> kvs.put(KEYS.prefix() + k, v));
        return PatroniCluster.decode(KEYS, kvs, new PatroniJson());
    }

    private static PatroniCluster threeMembers() {
        return cluster(Map.of(
                "leader", "pg0",
                "initialize", "7312",
                "status", "{\"optime\":" + (50L << 20) + "}",
                "sync", "{\"leader\":\"pg0\",\"sync_standby\":\"pg1\"}",
                "config", "{\"ttl\":30,\"pause\":true}",
                "members/pg0", member(5432, "primary", 50L << 20, ""),
                "members/pg1", member(5433, "replica", 50L << 20, ""),
                "members/pg2", member(5434, "replica", (50L << 20) - (3L << 20) - 1000,
                        ",\"tags\":{\"nofailover\":true,\"noloadbalance\":false}")));
    }

    @Test
    void rolesStatesTimelinesAndLagInMegabytes() {
        Table table = MemberTable.of("demo", threeMembers(), false, false);
        assertThat(table.columns()).containsExactly("Cluster", "Member", "Host", "Role", "State", "TL", "Lag in MB", "Tags");
        assertThat(table.rows()).containsExactly(
                row("demo", "pg0", "127.0.0.1:5432", "Leader", "running", 2L, null, null),
                row("demo", "pg1", "127.0.0.1:5433", "Sync Standby", "running", 2L, 0L, null),
                row("demo", "pg2", "127.0.0.1:5434", "Replica", "running", 2L, 3L, "nofailover: true"));
    }

    private static List<Object> row(Object... cells) {
        return java.util.Arrays.asList(cells);
    }

    @Test
    void prettyFormHasTheClusterInTheTitleAndNotesBelow() {
        String text = writer.format(MemberTable.of("demo", threeMembers(), false, false), OutputFormat.PRETTY);
        assertThat(text).startsWith("+ Cluster: demo (7312) ");
        assertThat(text).contains("| Member | Host           | Role         | State   | TL | Lag in MB | Tags             |");
        assertThat(text).contains("| pg2    | 127.0.0.1:5434 | Replica      | running |  2 |         3 | nofailover: true |");
        assertThat(text.lines().toList()).allMatch(l -> l.length() == text.lines().findFirst().orElseThrow().length());
        assertThat(MemberTable.notes(threeMembers())).containsExactly("Maintenance mode: on");
    }

    @Test
    void jsonKeysAreTheColumnNamesAndEmptyCellsAreLeftOut() {
        String json = writer.format(MemberTable.of("demo", threeMembers(), false, false), OutputFormat.JSON);
        assertThat(json).startsWith("[{\"Cluster\":\"demo\",\"Member\":\"pg0\",\"Host\":\"127.0.0.1:5432\",\"Role\":\"Leader\","
                + "\"State\":\"running\",\"TL\":2},");
        assertThat(json).contains("\"Member\":\"pg2\"").contains("\"Lag in MB\":3");
    }

    @Test
    void yamlForm() {
        String yaml = writer.format(MemberTable.of("demo", threeMembers(), false, false), OutputFormat.YAML);
        assertThat(yaml).startsWith("- Cluster: demo\n  Member: pg0\n");
        assertThat(yaml).contains("  Lag in MB: 3\n");
    }

    @Test
    void unknownLagWithoutAPositionAndPortShownOnlyWhenNeeded() {
        PatroniCluster cluster = cluster(Map.of(
                "leader", "a",
                "members/a", "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"api_url\":\"http://10.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"primary\",\"xlog_location\":100}",
                "members/b", "{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":\"http://10.0.0.2:8008/patroni\",\"state\":\"stopped\",\"role\":\"replica\"}"));
        Table table = MemberTable.of("c", cluster, false, false);
        assertThat(table.rows().get(0).get(2)).isEqualTo("10.0.0.1");
        assertThat(table.rows().get(1).get(6)).isEqualTo("unknown");
        assertThat(table.rows().get(1).get(4)).isEqualTo("stopped");
    }

    @Test
    void topologyIsATreeUnderTheLeaderWithCascadingReplicasUnderTheirUpstream() {
        PatroniCluster cluster = cluster(Map.of(
                "leader", "pg1",
                "members/pg0", member(5432, "replica", 1, ",\"tags\":{\"replicatefrom\":\"pg2\"}"),
                "members/pg1", member(5433, "primary", 1, ""),
                "members/pg2", member(5434, "replica", 1, ""),
                "members/pg3", member(5435, "replica", 1, "")));
        Table table = MemberTable.of("demo", cluster, true, false);
        assertThat(table.rows().stream().map(r -> r.get(1)).toList())
                .containsExactly("pg1", "+ pg2", "  + pg0", "+ pg3");
    }

    @Test
    void noLeaderIsNoted() {
        PatroniCluster cluster = cluster(Map.of("members/a", member(5432, "replica", 1, "")));
        assertThat(MemberTable.notes(cluster)).containsExactly("No leader: nobody holds the leader key");
        assertThat(MemberTable.of("c", cluster, true, false).rows()).hasSize(1);
    }
}
