package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeResultTest {

    private static final long MS = 1_000_000;
    private static final Map<Integer, String> NODES = Map.of(5432, "pg0", 5433, "pg1");

    private static Attempt ack(long id, long atMs, int port) {
        return new Attempt(id, atMs * MS, (atMs + 2) * MS, port, null);
    }

    private static Attempt failure(long id, long atMs) {
        return new Attempt(id, atMs * MS, (atMs + 1000) * MS, -1, "08006 connection lost");
    }

    @Test
    void outageFailuresLossesAndSplitBrainAreCounted() {
        LeaderTimeline leaders = new LeaderTimeline();
        leaders.record(0, Optional.of("pg0"));
        leaders.record(1000 * MS, Optional.empty());
        leaders.record(3000 * MS, Optional.of("pg1"));
        List<Attempt> attempts = List.of(
                ack(1, 0, 5432),
                ack(2, 500, 5432),
                failure(3, 1100),
                ack(4, 2000, 5432),   // pg0 acknowledged while nobody held the key: split-brain
                ack(5, 3500, 5433),
                ack(6, 3600, 5433));
        Set<Long> present = Set.of(1L, 2L, 5L, 6L); // 4 was written on the old leader and is gone

        ProbeResult result = ProbeResult.analyze("p", attempts, NODES, leaders, present, 900 * MS);

        assertThat(result.attempts()).isEqualTo(6);
        assertThat(result.acknowledged()).isEqualTo(5);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.lost()).isEqualTo(1);
        assertThat(result.splitBrain()).isEqualTo(1);
        assertThat(result.outageMillis()).isEqualTo(1500); // from the ack at 502 ms to the one at 2002 ms
    }

    @Test
    void localOnlyAcknowledgementsAreCountedApartFromLostAndSplitBrain() {
        LeaderTimeline leaders = new LeaderTimeline();
        leaders.record(0, Optional.of("pg0"));
        leaders.record(1000 * MS, Optional.of("pg1"));
        List<Attempt> attempts = List.of(
                ack(1, 0, 5432),
                // pg0 after it lost the key, its wait for the synchronous standby cancelled: gone after the failover
                new Attempt(2, 1100 * MS, 2100 * MS, 5432, null, true),
                ack(3, 2500, 5433));

        ProbeResult result = ProbeResult.analyze("p", attempts, NODES, leaders, Set.of(1L, 3L), 900 * MS);

        assertThat(result.acknowledged()).isEqualTo(3);
        assertThat(result.localOnly()).isEqualTo(1);
        assertThat(result.lost()).isZero();
        assertThat(result.splitBrain()).isZero();
    }

    @Test
    void aWriteInFlightAcrossALeaderChangeIsNotCalledSplitBrain() {
        LeaderTimeline leaders = new LeaderTimeline();
        leaders.record(0, Optional.of("pg0"));
        leaders.record(10 * MS, Optional.of("pg1"));
        Attempt straddling = new Attempt(1, 9 * MS, 11 * MS, 5432, null);

        ProbeResult result = ProbeResult.analyze("p", List.of(straddling), NODES, leaders, Set.of(1L), 0);

        assertThat(result.splitBrain()).isZero();
        assertThat(leaders.describe()).isEqualTo("pg0 -> pg1");
    }

    @Test
    void anOutageLastingToTheEndCountsWhenTheEndIsGiven() {
        LeaderTimeline leaders = new LeaderTimeline();
        leaders.record(0, Optional.of("pg0"));
        List<Attempt> attempts = List.of(ack(1, 0, 5432), ack(2, 100, 5432), failure(3, 200));

        assertThat(ProbeResult.analyze("p", attempts, NODES, leaders, Set.of(1L, 2L), 150 * MS).outageMillis())
                .isEqualTo(100);
        assertThat(ProbeResult.analyze("p", attempts, NODES, leaders, Set.of(1L, 2L), 150 * MS, 5102 * MS).outageMillis())
                .isEqualTo(5000);
    }
}
