package io.pgwarden.discovery.patroni;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The codecs against values a real Patroni 3.0.2 wrote (see {@code patroni-3.0.2/README.md}). */
class PatroniJsonTest {

    private final PatroniJson json = new PatroniJson();

    @Test
    void readsAPrimaryAsPatroni302WritesIt() {
        String value = PatroniDumps.value("initial", "members/node1");
        MemberData m = json.readMember(value);
        assertThat(m.connUrl()).isEqualTo("postgres://127.0.0.1:15431/postgres");
        assertThat(m.apiUrl()).isEqualTo("http://127.0.0.1:18001/patroni");
        assertThat(m.state()).isEqualTo("running");
        assertThat(m.role()).isEqualTo("master"); // 3.0.2 still writes master
        assertThat(m.version()).isEqualTo("3.0.2");
        assertThat(m.xlogLocation()).isEqualTo(50331744L);
        assertThat(m.timeline()).isEqualTo(1L);
        assertThat(m.tags()).isNull();
        assertThat(m.pause()).isFalse();
        assertThat(m.pendingRestart()).isFalse();
        assertThat(m.address()).isEqualTo(new ConnUrl("127.0.0.1", 15431));
    }

    @Test
    void readsTagsAndPause() {
        MemberData m = json.readMember(PatroniDumps.value("paused-with-tags", "members/node1"));
        assertThat(m.role()).isEqualTo("replica");
        assertThat(m.tags()).containsEntry("nofailover", true).containsEntry("noloadbalance", true);
        assertThat(m.noFailover()).isTrue();
        assertThat(m.noLoadBalance()).isTrue();
        assertThat(m.tagsAsText()).containsEntry("nofailover", "true");
        assertThat(m.pause()).isTrue();
        assertThat(m.timeline()).isEqualTo(2L);
    }

    @Test
    void writesMembersByteForByteAsPatroniDoes() {
        for (String dump : List.of("initial", "after-switchover", "paused-with-tags")) {
            for (String node : List.of("node1", "node2")) {
                String value = PatroniDumps.value(dump, "members/" + node);
                assertThat(json.writeMember(json.readMember(value))).as(dump + " " + node).isEqualTo(value);
            }
        }
    }

    @Test
    void toleratesFieldsOfOtherPatroniVersions() {
        String value = "{\"conn_url\":\"postgresql://[::1]:5433/postgres\",\"api_url\":\"http://[::1]:8009/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"version\":\"4.0.4\",\"xlog_location\":\"0/5000000\","
                + "\"replay_lsn\":83886000,\"receive_lsn\":83886080,\"replication_state\":\"streaming\",\"timeline\":3,"
                + "\"tags\":{\"failover_priority\":2,\"replicatefrom\":\"node1\",\"nostream\":false},"
                + "\"pending_restart\":true,\"pending_restart_reason\":{\"max_connections\":{\"old\":\"100\",\"new\":\"200\"}},"
                + "\"dcs_last_seen\":1732363200,\"something_new\":[1,2]}";
        MemberData m = json.readMember(value);
        assertThat(m.address()).isEqualTo(new ConnUrl("::1", 5433));
        assertThat(m.xlogLocation()).isEqualTo(0x5000000L);
        assertThat(m.replayLsn()).isEqualTo(83886000L);
        assertThat(m.receiveLsn()).isEqualTo(83886080L);
        assertThat(m.readablePosition()).hasValue(83886000L);
        assertThat(m.walPosition()).hasValue(0x5000000L);
        assertThat(m.replicationState()).isEqualTo("streaming");
        assertThat(m.tagsAsText()).containsEntry("failover_priority", "2").containsEntry("replicatefrom", "node1")
                .containsEntry("nostream", "false");
        assertThat(m.noFailover()).isFalse();
        assertThat(m.pendingRestart()).isTrue();
    }

    @Test
    void readsTheLegacyPlainUrlMember() {
        MemberData m = json.readMember("postgres://replicator:pw@10.0.0.2:5432/postgres?application_name=http://10.0.0.2:8008/patroni");
        assertThat(m.connUrl()).isEqualTo("postgres://replicator:pw@10.0.0.2:5432/postgres");
        assertThat(m.apiUrl()).isEqualTo("http://10.0.0.2:8008/patroni");
        assertThat(m.stateOrUnknown()).isEqualTo("unknown");
    }

    @Test
    void readsConnKwargsWhenThereIsNoConnUrl() {
        MemberData m = json.readMember("{\"conn_kwargs\":{\"host\":\"db3\",\"port\":6000,\"dbname\":\"postgres\"},"
                + "\"state\":\"running\",\"role\":\"replica\"}");
        assertThat(m.address()).isEqualTo(new ConnUrl("db3", 6000));
    }

    @Test
    void rejectsWhatIsNotAMember() {
        assertThatThrownBy(() -> json.readMember("{")).isInstanceOf(PatroniJsonException.class);
        assertThatThrownBy(() -> json.readMember("[1]")).isInstanceOf(PatroniJsonException.class);
        assertThatThrownBy(() -> json.readMember("{\"timeline\":\"x\"}")).isInstanceOf(PatroniJsonException.class);
        assertThatThrownBy(() -> json.readMember("{\"state\":\"running\"}").address())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsConfigAndKeepsWhatItDoesNotType() throws Exception {
        String value = PatroniDumps.value("paused-with-tags", "config");
        ClusterConfig config = json.readConfig(value);
        assertThat(config.ttl()).isEqualTo(30);
        assertThat(config.loopWait()).isEqualTo(2);
        assertThat(config.retryTimeout()).isEqualTo(10);
        assertThat(config.maximumLagOnFailover()).isEqualTo(1048576L);
        assertThat(config.pause()).isTrue();
        assertThat(config.ttlDuration()).hasValue(java.time.Duration.ofSeconds(30));
        assertThat(config.other()).containsEntry("postgresql", Map.of("use_pg_rewind", true));
        ObjectMapper plain = new ObjectMapper();
        assertThat(plain.readTree(json.writeConfig(config))).isEqualTo(plain.readTree(value));

        ClusterConfig unpaused = json.readConfig(PatroniDumps.value("initial", "config"));
        assertThat(unpaused.pause()).isFalse();
        assertThat(json.writeConfig(unpaused)).isEqualTo(PatroniDumps.value("initial", "config"));
    }

    @Test
    void readsFailoverRequestsAndTheirAbsence() {
        Optional<Failover> scheduled = json.readFailover(PatroniDumps.value("scheduled-switchover", "failover"));
        assertThat(scheduled).hasValueSatisfying(f -> {
            assertThat(f.leader()).isEqualTo("node1");
            assertThat(f.candidate()).isEqualTo("node2");
            assertThat(f.scheduledInstant()).hasValue(Instant.parse("2026-11-23T13:01:33Z"));
        });
        assertThat(json.writeFailover(scheduled.get()))
                .isEqualTo(PatroniDumps.value("scheduled-switchover", "failover"));

        assertThat(json.readFailover(PatroniDumps.value("after-switchover", "failover"))).isEmpty(); // {}
        assertThat(json.readFailover("")).isEmpty();
        assertThat(json.readFailover("null")).isEmpty();
        assertThat(json.readFailover("[]")).isEmpty();
        assertThat(json.readFailover("{\"scheduled_at\":\"2026-01-01T00:00:00+00:00\"}")).isEmpty();
        assertThat(json.readFailover("{\"member\":\"node2\"}")).hasValue(new Failover(null, "node2", null));
        assertThat(json.readFailover("node1:node2")).hasValue(new Failover("node1", "node2", null));
        assertThat(json.readFailover("node1")).hasValue(new Failover("node1", null, null));
        assertThat(json.noFailover()).isEqualTo("{}");
        assertThat(new Failover(null, "b", "2016-01-14T10:09:57.1394Z").scheduledInstant())
                .hasValue(Instant.parse("2016-01-14T10:09:57.139400Z"));
        assertThatThrownBy(() -> new Failover("a", null, "tomorrow").scheduledInstant())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsStatusAndSync() {
        Status status = json.readStatus(PatroniDumps.value("after-switchover", "status"));
        assertThat(status.optime()).isEqualTo(50332320L);
        assertThat(json.writeStatus(status)).isEqualTo(PatroniDumps.value("after-switchover", "status"));
        Status withSlots = json.readStatus("{\"optime\":67108960,\"slots\":{\"node2\":67108960,\"logical1\":67100000},"
                + "\"retain_slots\":[\"node2\"]}");
        assertThat(withSlots.slots()).containsEntry("logical1", 67100000L);
        assertThat(withSlots.retainSlots()).containsExactly("node2");

        SyncState sync = json.readSync("{\"leader\":\"node1\",\"sync_standby\":\"node2,node3\"}");
        assertThat(sync.syncStandbys()).containsExactly("node2", "node3");
        assertThat(sync.matches("node3")).isTrue();
        assertThat(sync.matches("node4")).isFalse();
        assertThat(json.writeSync(new SyncState("node1", null, null)))
                .isEqualTo("{\"leader\":\"node1\",\"sync_standby\":null}");
    }

    @Test
    void readsAndWritesHistory() {
        String value = PatroniDumps.value("after-switchover", "history");
        List<HistoryEntry> history = json.readHistory(value);
        assertThat(history).containsExactly(new HistoryEntry(1, 50332040, "no recovery target specified",
                Optional.of("2026-11-23T12:01:40.830575+00:00"), Optional.of("node2")));
        assertThat(json.writeHistory(history)).isEqualTo(value);

        // Lines copied from PostgreSQL's history file before Patroni ran have three fields.
        List<HistoryEntry> old = json.readHistory("[[1,25165984,\"no recovery target specified\"],"
                + "[2,33554592,\"no recovery target specified\",\"2024-01-01T00:00:00+00:00\"]]");
        assertThat(old).extracting(HistoryEntry::timeline).containsExactly(1L, 2L);
        assertThat(old.get(0).timestamp()).isEmpty();
        assertThat(old.get(1).newLeader()).isEmpty();
        assertThat(json.readHistory("[]")).isEmpty();
        assertThatThrownBy(() -> json.readHistory("{}")).isInstanceOf(PatroniJsonException.class);
        assertThatThrownBy(() -> json.readHistory("[[\"a\"]]")).isInstanceOf(PatroniJsonException.class);
    }
}
