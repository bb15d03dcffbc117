package io.pgwarden.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The decider's switchover and failover rules, one by one. */
class SwitchoverDecisionTest {

    private static final PatroniKeys KEYS = PatroniKeys.of("demo");
    private static final Timing TIMING = Timing.ofSeconds(10, 2, 3);
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private final HaDecider decider = new HaDecider();

    private static final LocalState PRIMARY = new LocalState(true, true, true, false, 2, 5000, null);
    private static final LocalState STANDBY_OF_A = new LocalState(true, true, true, true, 2, 5000, "127.0.0.1:5432");
    private static final LocalState STANDBY_OF_B = new LocalState(true, true, true, true, 2, 5000, "127.0.0.1:5433");

    private static PatroniCluster cluster(String failover, boolean withLeader) {
        Map<String, String> kvs = new LinkedHashMap<>();
        if (withLeader) {
            kvs.put(KEYS.prefix() + "leader", "a");
        }
        kvs.put(KEYS.prefix() + "members/a", member("5432", withLeader ? "primary" : "replica"));
        kvs.put(KEYS.prefix() + "members/b", member("5433", "replica"));
        kvs.put(KEYS.prefix() + "members/c", member("5434", "replica"));
        if (failover != null) {
            kvs.put(KEYS.prefix() + "failover", failover);
        }
        return PatroniCluster.decode(KEYS, kvs, new PatroniJson());
    }

    private static String member(String port, String role) {
        return "{\"conn_url\":\"postgres://127.0.0.1:" + port + "/postgres\",\"api_url\":\"http://127.0.0.1:8" + port
                + "/patroni\",\"state\":\"running\",\"role\":\"" + role + "\",\"version\":\"3.0.2\",\"timeline\":2}";
    }

    private Action decide(String me, PatroniCluster cluster, LocalState local) {
        return decider.decide(new Observation(me, true, Optional.of(cluster), local, Duration.ofSeconds(1),
                OptionalLong.empty(), TIMING, 1_048_576, SyncMode.OFF, NOW));
    }

    @Test
    void theLeaderHandsOverToTheNamedCandidateOnceTheRequestIsDue() {
        String due = "{\"leader\":\"a\",\"member\":\"b\",\"drain\":true}";
        assertThat(decide("a", cluster(due, true), PRIMARY)).isEqualTo(new Action.Switchover("b"));
        String later = "{\"leader\":\"a\",\"member\":\"b\",\"scheduled_at\":\"2026-12-03T12:05:00+00:00\",\"drain\":true}";
        assertThat(decide("a", cluster(later, true), PRIMARY)).isEqualTo(new Action.Lead());
        String withoutCandidate = "{\"leader\":\"a\"}";
        assertThat(decide("a", cluster(withoutCandidate, true), PRIMARY)).isEqualTo(new Action.Switchover(null));
    }

    @Test
    void aRequestTheLeaderCannotCarryOutIsCleared() {
        assertThat(decide("a", cluster("{\"leader\":\"c\",\"member\":\"b\"}", true), PRIMARY))
                .isInstanceOf(Action.ClearFailover.class);
        assertThat(decide("a", cluster("{\"leader\":\"a\",\"member\":\"a\"}", true), PRIMARY))
                .isInstanceOf(Action.ClearFailover.class);
        assertThat(decide("a", cluster("{\"leader\":\"a\",\"member\":\"zz\"}", true), PRIMARY))
                .isInstanceOf(Action.ClearFailover.class);
    }

    @Test
    void theNamedCandidateGetsReadyWhileTheLeaderDrainsOthersStreamFromIt() {
        String coordinated = "{\"leader\":\"a\",\"member\":\"b\",\"drain\":true}";
        assertThat(decide("b", cluster(coordinated, true), STANDBY_OF_A)).isEqualTo(new Action.AwaitHandover("a"));
        assertThat(decide("c", cluster(coordinated, true), STANDBY_OF_A)).isEqualTo(new Action.Follow("b"));
        assertThat(decide("c", cluster(coordinated, true), STANDBY_OF_B)).isEqualTo(new Action.Replicate("a"));
        // Patroni's own requests (no drain) leave the standbys where they are.
        String patroni = "{\"leader\":\"a\",\"member\":\"b\"}";
        assertThat(decide("b", cluster(patroni, true), STANDBY_OF_A)).isEqualTo(new Action.Replicate("a"));
        assertThat(decide("c", cluster(patroni, true), STANDBY_OF_A)).isEqualTo(new Action.Replicate("a"));
    }

    @Test
    void withoutALeaderTheCandidateTakesOverAndTheOthersWaitForIt() {
        String request = "{\"leader\":\"a\",\"member\":\"b\",\"drain\":true}";
        assertThat(decide("b", cluster(request, false), STANDBY_OF_A)).isEqualTo(new Action.TakeOver());
        assertThat(decide("c", cluster(request, false), STANDBY_OF_A)).isInstanceOf(Action.Wait.class);
        assertThat(decide("c", cluster(null, false), STANDBY_OF_A)).isEqualTo(new Action.Elect());
    }

    @Test
    void aCandidateThatMayNotLeadClearsTheRequestSoTheOthersElect() {
        String request = "{\"member\":\"b\"}";
        Action action = decider.decide(new Observation("b", false, Optional.of(cluster(request, false)), STANDBY_OF_A,
                Duration.ofSeconds(1), OptionalLong.empty(), TIMING, 1_048_576, SyncMode.OFF, NOW));
        assertThat(action).isInstanceOf(Action.ClearFailover.class);
    }
}
