package io.pgwarden.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Pause rule by rule, each against the same situation unpaused, through {@link HaDecider}. */
class PauseRulesTest {

    private static final PatroniKeys KEYS = PatroniKeys.of("demo");
    private static final Timing TIMING = Timing.ofSeconds(10, 2, 3);
    private static final String PAUSED = "{\"ttl\":10,\"loop_wait\":2,\"retry_timeout\":3,\"pause\":true}";
    private static final String RUNNING = "{\"ttl\":10,\"loop_wait\":2,\"retry_timeout\":3}";
    private final HaDecider decider = new HaDecider();

    private static final LocalState PRIMARY = new LocalState(true, true, true, false, 2, 5000, null);
    private static final LocalState STANDBY_OF_B = new LocalState(true, true, true, true, 2, 5000, "127.0.0.1:5433");
    private static final LocalState CRASHED_PRIMARY = new LocalState(true, false, false, false, 2, 5000, null, true, false);
    private static final LocalState STOPPED_STANDBY = new LocalState(true, false, false, true, 2, 5000, null, false, false);
    private static final LocalState DEMOTED_BY_AGENT = new LocalState(true, false, false, false, 2, 5000, null, false, true);

    private static PatroniCluster cluster(String config, String... relativeKeyValues) {
        Map<String, String> kvs = new LinkedHashMap<>();
        kvs.put(KEYS.config(), config);
        for (int i = 0; i < relativeKeyValues.length; i += 2) {
            kvs.put(KEYS.prefix() + relativeKeyValues[i], relativeKeyValues[i + 1]);
        }
        return PatroniCluster.decode(KEYS, kvs, new PatroniJson());
    }

    private static String member(String port, String role) {
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:8" + port
                + "/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\",\"timeline\":2}";
    }

    private Action decide(String me, LocalState local, Duration sinceRenewal, String config, String... keys) {
        return decider.decide(new Observation(me, true, Optional.of(cluster(config, keys)), local, sinceRenewal,
                OptionalLong.empty(), TIMING, 1_048_576, SyncMode.OFF));
    }

    /** The same situation decided unpaused, then paused. */
    private List<Action> both(String me, LocalState local, String... keys) {
        List<Action> actions = new ArrayList<>();
        actions.add(decide(me, local, Duration.ofSeconds(1), RUNNING, keys));
        actions.add(decide(me, local, Duration.ofSeconds(1), PAUSED, keys));
        return actions;
    }

    @Test
    void theLeaderKeepsLeadingAndRenewingInPause() {
        assertThat(both("a", PRIMARY, "leader", "a", "members/a", member("5432", "primary")))
                .containsExactly(new Action.Lead(), new Action.Lead());
    }

    @Test
    void aCrashedPrimaryIsNotRestartedInPauseAndItsKeyIsGivenUp() {
        List<Action> actions = both("a", CRASHED_PRIMARY, "leader", "a", "members/a", member("5432", "primary"));
        assertThat(actions.get(0)).isEqualTo(new Action.StartPrimary());
        assertThat(actions.get(1)).isInstanceOf(Action.ReleaseKey.class);
    }

    @Test
    void nobodyIsElectedInPause() {
        List<Action> actions = both("b", STANDBY_OF_B, "members/b", member("5433", "replica"));
        assertThat(actions.get(0)).isEqualTo(new Action.Elect());
        assertThat(actions.get(1)).isInstanceOf(Action.Wait.class);
    }

    @Test
    void aKeyHolderRunningAsStandbyIsNotPromotedInPauseUnlessAManualFailoverNamesIt() {
        LocalState standby = new LocalState(true, true, true, true, 2, 5000, null);
        List<Action> actions = both("a", standby, "leader", "a", "members/a", member("5432", "replica"));
        assertThat(actions.get(0)).isEqualTo(new Action.Promote());
        assertThat(actions.get(1)).isInstanceOf(Action.ReleaseKey.class);
        assertThat(decide("a", standby, Duration.ofSeconds(1), PAUSED, "leader", "a", "members/a",
                member("5432", "replica"), "failover", "{\"member\":\"a\"}")).isEqualTo(new Action.Promote());
    }

    @Test
    void aPrimaryThatSeesAnotherKeyHolderIsNotDemotedInPause() {
        List<Action> actions = both("a", PRIMARY, "leader", "b", "members/b", member("5433", "primary"));
        assertThat(actions.get(0)).isInstanceOf(Action.Demote.class);
        assertThat(actions.get(1)).isInstanceOf(Action.Wait.class);
    }

    @Test
    void theFenceStaysOnInPauseAPrimaryPastItsRenewDeadlineStillStops() {
        String[] keys = {"leader", "a", "members/a", member("5432", "primary")};
        Action paused = decide("a", PRIMARY, Duration.ofSeconds(8), PAUSED, keys);
        assertThat(paused).isInstanceOf(Action.Demote.class);
        assertThat(((Action.Demote) paused).immediate()).isTrue();
    }

    @Test
    void aStoppedReplicaIsNotStartedInPause() {
        List<Action> actions = both("c", STOPPED_STANDBY, "leader", "b", "members/b", member("5433", "primary"));
        assertThat(actions.get(0)).isEqualTo(new Action.StartStandby("b"));
        assertThat(actions.get(1)).isInstanceOf(Action.Wait.class);
    }

    @Test
    void aServerTheAgentStoppedItselfIsStartedAsAStandbyInPause() {
        // e.g. the old primary after a manual switchover: Patroni's demote starts it again as a replica
        List<Action> actions = both("a", DEMOTED_BY_AGENT, "leader", "b", "members/b", member("5433", "primary"));
        assertThat(actions.get(1)).isEqualTo(actions.get(0));
        assertThat(actions.get(1)).isInstanceOf(Action.StartStandby.class);
    }

    @Test
    void replicasStillFollowANewKeyHolderInPause() {
        LocalState followsA = new LocalState(true, true, true, true, 2, 5000, "127.0.0.1:5432");
        assertThat(both("c", followsA, "leader", "b", "members/b", member("5433", "primary")))
                .containsExactly(new Action.Follow("b"), new Action.Follow("b"));
    }

    @Test
    void aReplicaIsNotDetachedFromALeaderWhoseLeaseEndsInPause() {
        String[] keys = {"leader", "b", "members/b", member("5433", "primary")};
        Action unpaused = decider.decide(new Observation("c", true, Optional.of(cluster(RUNNING, keys)), STANDBY_OF_B,
                Duration.ofSeconds(1), OptionalLong.of(1), TIMING, 1_048_576, SyncMode.OFF));
        Action paused = decider.decide(new Observation("c", true, Optional.of(cluster(PAUSED, keys)), STANDBY_OF_B,
                Duration.ofSeconds(1), OptionalLong.of(1), TIMING, 1_048_576, SyncMode.OFF));
        assertThat(unpaused).isEqualTo(new Action.Detach("b"));
        assertThat(paused).isInstanceOf(Action.Wait.class);
    }

    @Test
    void noRewindInPause() {
        String[] keys = {"leader", "b", "members/b", "{\"conn_url\":\"postgres://127.0.0.1:5433/postgres\","
                + "\"api_url\":\"http://127.0.0.1:85433/patroni\",\"state\":\"running\",\"role\":\"primary\","
                + "\"version\":\"3.0.2\",\"timeline\":3}", "history", "[[1,100,\"x\"],[2,4000,\"y\"]]"};
        LocalState formerPrimary = new LocalState(true, true, true, true, 2, 5000, null);
        assertThat(decide("a", formerPrimary, Duration.ZERO, RUNNING, keys)).isEqualTo(new Action.Rewind("b"));
        assertThat(decide("a", formerPrimary, Duration.ZERO, PAUSED, keys)).isInstanceOf(Action.Wait.class);
    }

    @Test
    void noInitializeOrCloneInPause() {
        assertThat(decide("a", LocalState.noData(), Duration.ZERO, RUNNING)).isEqualTo(new Action.Initialize());
        assertThat(decide("a", LocalState.noData(), Duration.ZERO, PAUSED)).isInstanceOf(Action.Wait.class);
        String[] keys = {"leader", "b", "members/b", member("5433", "primary"), "initialize", "123"};
        assertThat(decide("a", LocalState.noData(), Duration.ZERO, RUNNING, keys)).isEqualTo(new Action.Clone("b"));
        assertThat(decide("a", LocalState.noData(), Duration.ZERO, PAUSED, keys)).isInstanceOf(Action.Wait.class);
    }

    @Test
    void theRunningPrimaryTakesAVacantKeyBackInPause() {
        assertThat(both("a", PRIMARY, "members/a", member("5432", "primary")))
                .containsExactly(new Action.Reacquire(), new Action.Reacquire());
    }
}
