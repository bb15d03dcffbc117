package io.pgwarden.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElectionTest {

    private static PeerReport replica(String name, long lsn, int priority) {
        return new PeerReport(name, true, false, true, lsn, priority);
    }

    @Test
    void theMostAdvancedWins() {
        PeerReport me = replica("b", 100, 1);
        assertThat(Election.whyNotMe(me, List.of(replica("c", 90, 1)), Set.of(), 1)).isEmpty();
        assertThat(Election.whyNotMe(me, List.of(replica("c", 110, 1)), Set.of(), 1)).isPresent();
    }

    @Test
    void tiesGoToPriorityThenName() {
        assertThat(Election.whyNotMe(replica("b", 100, 1), List.of(replica("c", 100, 2)), Set.of(), 1)).isPresent();
        assertThat(Election.whyNotMe(replica("b", 100, 1), List.of(replica("c", 100, 1)), Set.of(), 1)).isEmpty();
        assertThat(Election.whyNotMe(replica("c", 100, 1), List.of(replica("b", 100, 1)), Set.of(), 1)).isPresent();
    }

    @Test
    void unreachableAndIneligiblePeersAreNotCompared() {
        PeerReport me = replica("b", 100, 1);
        assertThat(Election.whyNotMe(me, List.of(PeerReport.unreachable("a"),
                new PeerReport("c", true, false, false, 500, 1)), Set.of(), 1)).isEmpty();
    }

    @Test
    void aRunningPrimaryAnywhereMeansWait() {
        assertThat(Election.whyNotMe(replica("b", 100, 1), List.of(new PeerReport("a", true, true, false, 50, 1)),
                Set.of(), 1)).hasValueSatisfying(why -> assertThat(why).contains("a still runs"));
    }

    @Test
    void quorumNeedsToHearFromAllButQuorumMinusOne() {
        PeerReport me = replica("b", 100, 1);
        assertThat(Election.whyNotMe(me, List.of(PeerReport.unreachable("c")), Set.of("b", "c"), 1)).isPresent();
        assertThat(Election.whyNotMe(me, List.of(replica("c", 90, 1)), Set.of("b", "c"), 1)).isEmpty();
    }
}
