package io.pgwarden.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HaDeciderTest {

    private static final PatroniKeys KEYS = PatroniKeys.of("demo");
    private static final Timing TIMING = Timing.ofSeconds(10, 2, 3);
    private final HaDecider decider = new HaDecider();

    private static final LocalState PRIMARY_TL2 = new LocalState(true, true, true, false, 2, 5000, null);
    private static final LocalState STANDBY_TL2 = new LocalState(true, true, true, true, 2, 5000, "127.0.0.1:5432");

    /** Builds a cluster from keys relative to the prefix. */
    private static PatroniCluster cluster(String... relativeKeyValues) {
        Map<String, String> kvs = new LinkedHashMap<>();
        for (int i = 0; i < relativeKeyValues.length; i += 2) {
            kvs.put(KEYS.prefix() + relativeKeyValues[i], relativeKeyValues[i + 1]);
        }
        return PatroniCluster.decode(KEYS, kvs, new PatroniJson());
    }

    private static String member(String port, String role, int timeline, String... tags) {
        String tagJson = tags.length == 0 ? "" : ",\"tags\":{" + String.join(",", tags) + "}";
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:8"
                + port + "/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\",\"timeline\":"
                + timeline + tagJson + "}";
    }

    private static Observation observe(String me, PatroniCluster cluster, LocalState local, Duration sinceRenewal) {
        return new Observation(me, true, Optional.ofNullable(cluster), local, sinceRenewal, OptionalLong.empty(),
                TIMING, 1_048_576, SyncMode.OFF);
    }

    @Test
    void aPrimaryCutOffFromEtcdDemotesImmediatelyOnceItsRenewDeadlinePasses() {
        assertThat(decider.decide(observe("a", null, PRIMARY_TL2, Duration.ofMillis(6900))))
                .isInstanceOf(Action.Wait.class);
        Action action = decider.decide(observe("a", null, PRIMARY_TL2, Duration.ofMillis(7000)));
        assertThat(action).isInstanceOf(Action.Demote.class);
        assertThat(((Action.Demote) action).immediate()).isTrue();
    }

    @Test
    void theKeyHolderPastItsDeadlineDemotesEvenThoughEtcdStillListsItAsLeader() {
        PatroniCluster c = cluster("leader", "a", "members/a", member("5432", "primary", 2));
        assertThat(decider.decide(observe("a", c, PRIMARY_TL2, Duration.ofSeconds(8)))).isInstanceOf(Action.Demote.class);
        assertThat(decider.decide(observe("a", c, PRIMARY_TL2, Duration.ofSeconds(1)))).isInstanceOf(Action.Lead.class);
    }

    @Test
    void aPrimaryThatFindsAnotherLeaderDemotesAndThenRewindsBeforeFollowing() {
        PatroniCluster c = cluster("leader", "b", "members/b", member("5433", "primary", 3),
                "history", "[[1,100,\"x\"],[2,4000,\"y\"]]");
        assertThat(decider.decide(observe("a", c, PRIMARY_TL2, Duration.ofSeconds(1)))).isInstanceOf(Action.Demote.class);
        LocalState stoppedFormerPrimary = new LocalState(true, false, false, false, 2, 5000, null);
        assertThat(decider.decide(observe("a", c, stoppedFormerPrimary, Duration.ofSeconds(1))))
                .isEqualTo(new Action.Rewind("b"));
        LocalState stoppedStandby = new LocalState(true, false, false, true, 3, 5000, null);
        assertThat(decider.decide(observe("a", c, stoppedStandby, Duration.ofSeconds(1))))
                .isEqualTo(new Action.StartStandby("b"));
    }

    @Test
    void aStandbyWhoseWalWentPastTheForkIsRewoundOneThatDidNotJustFollows() {
        PatroniCluster c = cluster("leader", "b", "members/b", member("5433", "primary", 3),
                "history", "[[1,100,\"x\"],[2,4000,\"y\"]]");
        LocalState fencedFormerPrimaryNowStandby = new LocalState(true, true, true, true, 2, 5000, null);
        assertThat(decider.decide(observe("a", c, fencedFormerPrimaryNowStandby, Duration.ZERO)))
                .isEqualTo(new Action.Rewind("b"));
        LocalState behindTheFork = new LocalState(true, true, true, true, 2, 3900, "127.0.0.1:5432");
        assertThat(decider.decide(observe("a", c, behindTheFork, Duration.ZERO))).isEqualTo(new Action.Follow("b"));
        LocalState stoppedBehind = new LocalState(true, false, false, false, 2, 4000, null);
        assertThat(decider.decide(observe("a", c, stoppedBehind, Duration.ZERO))).isEqualTo(new Action.StartStandby("b"));
        LocalState crashedPrimary = new LocalState(true, false, false, false, 2, 3000, null, true);
        assertThat(decider.decide(observe("a", c, crashedPrimary, Duration.ZERO)))
                .as("a crashed primary's checkpoint says nothing of where its WAL ends").isEqualTo(new Action.Rewind("b"));
    }

    @Test
    void aStandbyThatReplayedPastTheForkIsRewoundEvenWhenItAlreadyHasTheNewTimelinesHistory() {
        // Told to follow b a moment before b's promotion, it went on receiving timeline 2 past the fork;
        // b's history file then reached it, so its timeline reads 3, but its replay is on 2 past 4000.
        PatroniCluster c = cluster("leader", "b", "members/b", member("5433", "primary", 3),
                "history", "[[1,100,\"x\"],[2,4000,\"y\"]]");
        LocalState onlyNamedNewer = new LocalState(true, true, true, true, 3, 5000, "127.0.0.1:5433", false, false,
                2, 5000);
        assertThat(decider.decide(observe("a", c, onlyNamedNewer, Duration.ZERO))).isEqualTo(new Action.Rewind("b"));
        // Streaming timeline 3 already while replay is still on 2 short of the fork: it just follows.
        LocalState replayBehindTheFork = new LocalState(true, true, true, true, 3, 5000, "127.0.0.1:5433", false,
                false, 2, 3900);
        assertThat(decider.decide(observe("a", c, replayBehindTheFork, Duration.ZERO)))
                .isEqualTo(new Action.Replicate("b"));
        LocalState onTheNewTimeline = new LocalState(true, true, true, true, 3, 5000, "127.0.0.1:5433", false, false,
                3, 5000);
        assertThat(decider.decide(observe("a", c, onTheNewTimeline, Duration.ZERO)))
                .isEqualTo(new Action.Replicate("b"));
    }

    @Test
    void aStalePrimaryNeverTakesTheVacantKeyBack() {
        // Frozen leader on timeline 2; the cluster moved on to 3 while it slept, and the key is vacant now.
        PatroniCluster c = cluster("history", "[[1,100,\"x\"],[2,4000,\"y\"]]");
        assertThat(decider.decide(observe("a", c, PRIMARY_TL2, Duration.ofSeconds(1))))
                .isInstanceOf(Action.Demote.class);
        PatroniCluster same = cluster("history", "[[1,100,\"x\"]]");
        assertThat(decider.decide(observe("a", same, PRIMARY_TL2, Duration.ofSeconds(1))))
                .isInstanceOf(Action.Reacquire.class);
        assertThat(decider.decide(observe("a", same, PRIMARY_TL2, Duration.ofSeconds(9))))
                .isInstanceOf(Action.Demote.class);
    }

    @Test
    void aStaleStandbyDoesNotRunForLeader() {
        PatroniCluster c = cluster("history", "[[1,100,\"x\"],[2,4000,\"y\"]]");
        assertThat(decider.decide(observe("a", c, STANDBY_TL2, Duration.ZERO))).isInstanceOf(Action.Wait.class);
        PatroniCluster current = cluster("history", "[[1,100,\"x\"]]");
        assertThat(decider.decide(observe("a", current, STANDBY_TL2, Duration.ZERO))).isInstanceOf(Action.Elect.class);
    }

    @Test
    void candidatesRespectNofailoverLagAndTheSyncKey() {
        PatroniCluster c = cluster("history", "[[1,100,\"x\"]]", "status", "{\"optime\":3000000}");
        Observation lagging = observe("a", c, STANDBY_TL2, Duration.ZERO);
        assertThat(decider.decide(lagging)).isInstanceOf(Action.Wait.class);
        PatroniCluster near = cluster("history", "[[1,100,\"x\"]]", "status", "{\"optime\":6000}",
                "sync", "{\"leader\":\"z\",\"sync_standby\":\"b\"}");
        assertThat(decider.decide(observe("a", near, STANDBY_TL2, Duration.ZERO))).isInstanceOf(Action.Elect.class);
        Observation syncOn = new Observation("a", true, Optional.of(near), STANDBY_TL2, Duration.ZERO, OptionalLong.empty(),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(syncOn)).isInstanceOf(Action.Wait.class);
        Observation tagged = new Observation("b", false, Optional.of(near), STANDBY_TL2, Duration.ZERO, OptionalLong.empty(),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(tagged)).isInstanceOf(Action.Wait.class);
        Observation syncMember = new Observation("b", true, Optional.of(near), STANDBY_TL2, Duration.ZERO, OptionalLong.empty(),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(syncMember)).isInstanceOf(Action.Elect.class);
    }

    @Test
    void aStandbyLeavesALeaderWhoseLeaseEndsBeforeItCouldBeRenewed() {
        PatroniCluster c = cluster("leader", "b", "members/b", member("5432", "primary", 2));
        Observation healthy = new Observation("a", true, Optional.of(c), STANDBY_TL2, Duration.ZERO, OptionalLong.of(8),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(healthy)).isEqualTo(new Action.Replicate("b"));
        Observation ending = new Observation("a", true, Optional.of(c), STANDBY_TL2, Duration.ZERO, OptionalLong.of(2),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(ending)).isEqualTo(new Action.Detach("b"));
        LocalState detached = new LocalState(true, true, true, true, 2, 5000, null);
        Observation stillEnding = new Observation("a", true, Optional.of(c), detached, Duration.ZERO, OptionalLong.of(1),
                TIMING, 1_048_576, SyncMode.ON);
        assertThat(decider.decide(stillEnding)).as("a detached standby does not go back to an expiring leader")
                .isInstanceOf(Action.Wait.class);
    }

    @Test
    void aStandbyPointedElsewhereFollowsTheNewLeader() {
        PatroniCluster c = cluster("leader", "c", "members/c", member("5434", "primary", 3));
        assertThat(decider.decide(observe("a", c, STANDBY_TL2, Duration.ZERO))).isEqualTo(new Action.Follow("c"));
    }

    @Test
    void theKeyHolderRestartsACrashedPrimaryAndPromotesAStandby() {
        PatroniCluster c = cluster("leader", "a", "members/a", member("5432", "primary", 2));
        LocalState down = new LocalState(true, false, false, false, 2, 5000, null);
        assertThat(decider.decide(observe("a", c, down, Duration.ofSeconds(1)))).isInstanceOf(Action.StartPrimary.class);
        assertThat(decider.decide(observe("a", c, STANDBY_TL2, Duration.ofSeconds(1)))).isInstanceOf(Action.Promote.class);
    }

    @Test
    void aKeyHolderWhoseStoppedDataIsAStandbysStartsItAsOneBeforePromoting() {
        PatroniCluster c = cluster("leader", "a", "members/a", member("5432", "replica", 2));
        LocalState stoppedStandby = new LocalState(true, false, false, true, 2, 5000, null);
        assertThat(decider.decide(observe("a", c, stoppedStandby, Duration.ofSeconds(1))))
                .as("never start a standby's data as a primary without promoting").isEqualTo(new Action.StartStandby(null));
    }

    @Test
    void aNewNodeInitializesAnEmptyClusterOrClonesFromTheLeader() {
        assertThat(decider.decide(observe("a", cluster(), LocalState.noData(), Duration.ZERO)))
                .isInstanceOf(Action.Initialize.class);
        PatroniCluster initializing = cluster("initialize", "");
        assertThat(decider.decide(observe("a", initializing, LocalState.noData(), Duration.ZERO)))
                .isInstanceOf(Action.Wait.class);
        PatroniCluster running = cluster("initialize", "123", "leader", "b", "members/b", member("5433", "primary", 1),
                "members/c", member("5434", "replica", 1, "\"clonefrom\":true"));
        assertThat(decider.decide(observe("a", running, LocalState.noData(), Duration.ZERO)))
                .isEqualTo(new Action.Clone("c"));
    }

    @Test
    void aStoppedNodeWithoutLeaderStartsAsAStandbyToReportItsPosition() {
        LocalState stopped = new LocalState(true, false, false, true, 2, 5000, null);
        assertThat(decider.decide(observe("a", cluster(), stopped, Duration.ZERO))).isEqualTo(new Action.StartStandby(null));
    }
}
