package io.pgwarden.discovery.patroni;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Switchover;
import io.pgwarden.discovery.Topology;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshot building: a pure function from keys to a {@link Topology}. */
class PatroniTopologyTest {

    private static final PatroniKeys KEYS = PatroniDumps.KEYS;
    private static final Instant NOW = Instant.parse("2026-11-23T12:30:00Z");

    private final PatroniJson json = new PatroniJson();

    private Topology build(Map<String, String> kvs) {
        return PatroniTopology.build(KEYS, kvs, json, NOW, true);
    }

    @Test
    void aHealthyPatroni302Cluster() {
        Topology t = build(PatroniDumps.load("initial"));
        assertThat(t.cluster()).isEqualTo("sample");
        assertThat(t.leader()).contains("node1");
        assertThat(t.members()).extracting(Member::name).containsExactly("node1", "node2");
        Member node1 = t.member("node1").orElseThrow();
        assertThat(node1.role()).isEqualTo(Role.PRIMARY);
        assertThat(node1.address()).isEqualTo("127.0.0.1:15431");
        assertThat(node1.lagBytes()).isZero();
        assertThat(node1.walPosition()).isEqualTo(50331744L);
        Member node2 = t.member("node2").orElseThrow();
        assertThat(node2.role()).isEqualTo(Role.REPLICA);
        assertThat(node2.port()).isEqualTo(15432);
        assertThat(node2.timeline()).isEqualTo(1);
        assertThat(node2.lagBytes()).isZero();
        assertThat(node2.replicationState()).isEmpty();
        assertThat(t.primary()).contains(node1);
        assertThat(t.replicas()).containsExactly(node2);
        assertThat(t.paused()).isFalse();
        assertThat(t.switchoverPending()).isFalse();
        assertThat(t.switchover()).isEmpty();
        assertThat(t.dcsReachable()).isTrue();
        assertThat(t.highestTimeline()).isEqualTo(1);
    }

    @Test
    void aScheduledSwitchoverIsPendingOnlyOnceDue() {
        Map<String, String> kvs = PatroniDumps.load("scheduled-switchover");
        Switchover expected = new Switchover(Optional.of("node1"), Optional.of("node2"),
                Optional.of(Instant.parse("2026-11-23T13:01:33Z")));
        Topology before = build(kvs);
        assertThat(before.switchover()).contains(expected);
        assertThat(before.switchoverPending()).isFalse();
        Topology due = PatroniTopology.build(KEYS, kvs, json, Instant.parse("2026-11-23T13:01:33Z"), true);
        assertThat(due.switchoverPending()).isTrue();
    }

    @Test
    void anImmediateSwitchoverIsPendingUntilTheCandidateLeads() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.put(KEYS.failover(), "{\"leader\":\"node1\",\"member\":\"node2\"}");
        assertThat(build(kvs).switchoverPending()).isTrue();
        kvs.remove(KEYS.leader()); // node1 let go: still pending
        assertThat(build(kvs).switchoverPending()).isTrue();
        kvs.put(KEYS.leader(), "node2"); // node2 won; Patroni clears the key a moment later
        assertThat(build(kvs).switchoverPending()).isFalse();
        assertThat(build(kvs).switchover()).isPresent();
    }

    @Test
    void afterASwitchoverTheTimelineMovesOnAndTheKeyIsCleared() {
        Topology t = build(PatroniDumps.load("after-switchover"));
        assertThat(t.leader()).contains("node2");
        assertThat(t.primary().map(Member::name)).contains("node2");
        assertThat(t.replicas()).extracting(Member::name).containsExactly("node1");
        assertThat(t.highestTimeline()).isEqualTo(2);
        assertThat(t.switchover()).isEmpty(); // the key holds {}
        assertThat(t.switchoverPending()).isFalse();
    }

    @Test
    void theHistoryAloneCanRaiseTheHighestTimeline() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.put(KEYS.history(), "[[1,50332040,\"no recovery target specified\",\"2026-11-23T12:01:40+00:00\",\"node2\"],"
                + "[2,60000000,\"no recovery target specified\",\"2026-11-23T12:05:00+00:00\",\"node3\"]]");
        Topology t = build(kvs);
        assertThat(t.highestTimeline()).isEqualTo(3);
        assertThat(t.member("node1").orElseThrow().timeline()).isEqualTo(1); // a stale leader, for the router to judge
    }

    @Test
    void pauseAndTags() {
        Topology t = build(PatroniDumps.load("paused-with-tags"));
        assertThat(t.paused()).isTrue();
        assertThat(t.member("node1").orElseThrow().tags())
                .containsEntry("nofailover", "true").containsEntry("noloadbalance", "true");
    }

    @Test
    void lagIsMeasuredFromTheLeadersPositionOrTheLastStatus() {
        Map<String, String> kvs = new HashMap<>();
        kvs.put(KEYS.leader(), "a");
        kvs.put(KEYS.status(), "{\"optime\":1000}");
        kvs.put(KEYS.member("a"), member("a", 5001, "primary", "\"xlog_location\":900"));
        kvs.put(KEYS.member("b"), member("b", 5002, "replica", "\"xlog_location\":700"));
        kvs.put(KEYS.member("c"), member("c", 5003, "replica", "\"xlog_location\":990,\"replay_lsn\":600"));
        kvs.put(KEYS.member("d"), member("d", 5004, "replica", "\"xlog_location\":2000"));
        kvs.put(KEYS.member("e"), member("e", 5005, "replica", ""));
        Topology t = build(kvs);
        assertThat(t.member("a").orElseThrow().lagBytes()).isZero();
        assertThat(t.member("b").orElseThrow().lagBytes()).isEqualTo(300); // status optime 1000 > leader's 900
        assertThat(t.member("c").orElseThrow().lagBytes()).isEqualTo(400); // replayed position counts
        assertThat(t.member("c").orElseThrow().walPosition()).isEqualTo(990);
        assertThat(t.member("d").orElseThrow().lagBytes()).isZero(); // never negative
        assertThat(t.member("e").orElseThrow().lagBytes()).isEqualTo(-1); // position unknown

        kvs.remove(KEYS.leader()); // no leader: lag against the last known status
        assertThat(build(kvs).member("b").orElseThrow().lagBytes()).isEqualTo(300);
        kvs.remove(KEYS.status());
        kvs.put(KEYS.leaderOptime(), "800"); // legacy key
        assertThat(build(kvs).member("b").orElseThrow().lagBytes()).isEqualTo(100);
        kvs.remove(KEYS.leaderOptime());
        assertThat(build(kvs).member("b").orElseThrow().lagBytes()).isEqualTo(-1);
    }

    @Test
    void aLeaderWithoutAMemberKeyIsNoPrimary() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.remove(KEYS.member("node1"));
        Topology t = build(kvs);
        assertThat(t.leader()).contains("node1");
        assertThat(t.primary()).isEmpty();
    }

    @Test
    void noLeaderKeyNoLeader() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.remove(KEYS.leader());
        Topology t = build(kvs);
        assertThat(t.leader()).isEmpty();
        assertThat(t.primary()).isEmpty();
        assertThat(t.member("node2").orElseThrow().lagBytes()).isZero(); // status optime still known
    }

    @Test
    void unreadableKeysAreLeftOutAndNamed() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.put(KEYS.member("broken"), "{not json");
        kvs.put(KEYS.member("nourl"), "{\"state\":\"running\",\"role\":\"replica\"}");
        kvs.put(KEYS.config(), "[]");
        PatroniCluster cluster = PatroniCluster.decode(KEYS, kvs, json);
        List<String> problems = new ArrayList<>(cluster.problems());
        Topology t = PatroniTopology.build("sample", cluster, NOW, true, problems);
        assertThat(t.members()).extracting(Member::name).containsExactly("node1", "node2");
        assertThat(t.primary()).isPresent();
        assertThat(problems).hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("/service/sample/members/broken: "))
                .anySatisfy(p -> assertThat(p).startsWith("/service/sample/config: "))
                .anySatisfy(p -> assertThat(p).startsWith("member nourl left out: "));
    }

    @Test
    void keysOfOtherClustersAndUnknownKeysAreIgnored() {
        Map<String, String> kvs = new HashMap<>(PatroniDumps.load("initial"));
        kvs.put("/service/sample2/leader", "other");
        kvs.put("/service/sample2/members/other", member("other", 6000, "primary", ""));
        kvs.put(KEYS.failsafe(), "{\"node1\":\"http://127.0.0.1:18001/patroni\"}");
        kvs.put(KEYS.prefix() + "members/node9/extra", "x");
        kvs.put(KEYS.sync(), "{\"leader\":\"node1\",\"sync_standby\":null}");
        assertThat(build(kvs)).isEqualTo(build(PatroniDumps.load("initial")));
    }

    @Test
    void sameKeysSameSnapshot() {
        assertThat(build(PatroniDumps.load("initial"))).isEqualTo(build(new HashMap<>(PatroniDumps.load("initial"))));
        assertThat(PatroniTopology.build(KEYS, PatroniDumps.load("initial"), json, NOW, false))
                .isEqualTo(build(PatroniDumps.load("initial")).withDcsReachable(false));
    }

    private static String member(String name, int port, String role, String extra) {
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\"" + (extra.isEmpty() ? "" : "," + extra)
                + ",\"timeline\":1}";
    }
}
