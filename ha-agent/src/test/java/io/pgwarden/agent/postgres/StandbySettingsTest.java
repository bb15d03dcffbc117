package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StandbySettingsTest {

    @Test
    void standbyStreamsAsTheReplicationUserThroughItsSlotOntoTheLatestTimeline() {
        String conf = StandbySettings.render("10.0.0.1", 5432, "replicator", Path.of("/var/lib/pg/node2.pgpass"),
                "node2", "node2");
        assertThat(conf.lines().filter(l -> !l.startsWith("#")).toList()).containsExactly(
                "primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator passfile=/var/lib/pg/node2.pgpass"
                        + " application_name=node2 connect_timeout=5'",
                "primary_slot_name = 'node2'",
                "recovery_target_timeline = 'latest'");
        assertThat(conf).doesNotContain("password");
    }

    @Test
    void withoutASlotThereIsNoSlotName() {
        String conf = StandbySettings.render("h", 1, "r", Path.of("/p"), "n", null);
        assertThat(conf).doesNotContain("primary_slot_name");
    }

    @Test
    void awkwardNamesAreQuotedTwiceOverForLibpqAndThenForTheConfFile() {
        String conf = StandbySettings.render("h", 1, "r", Path.of("/dir with space/p"), "it's me", null);
        // libpq: 'it\'s me'; postgresql.conf: every backslash doubled and every quote doubled.
        assertThat(conf).contains("passfile=''/dir with space/p''")
                .contains("application_name=''it\\\\''s me''");
    }

    @Test
    void conninfoQuotesOnlyWhatLibpqNeedsQuoted() {
        assertThat(Conninfo.value("plain")).isEqualTo("plain");
        assertThat(Conninfo.value("")).isEqualTo("''");
        assertThat(Conninfo.value("a b")).isEqualTo("'a b'");
        assertThat(Conninfo.value("a\\b'c")).isEqualTo("'a\\\\b\\'c'");
    }

    @Test
    void passFileEscapesColonsAndBackslashes() {
        assertThat(PassFile.anyHostLine("replicator", "rep:pw\\x")).isEqualTo("*:*:*:replicator:rep\\:pw\\\\x\n");
    }
}
