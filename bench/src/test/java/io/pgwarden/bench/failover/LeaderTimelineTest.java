package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderTimelineTest {

    private static final long MS = 1_000_000;

    private static LeaderTimeline timeline(Object... atMsAndHolder) {
        LeaderTimeline timeline = new LeaderTimeline();
        for (int i = 0; i < atMsAndHolder.length; i += 2) {
            String holder = (String) atMsAndHolder[i + 1];
            timeline.record((Integer) atMsAndHolder[i] * MS, "none".equals(holder) ? Optional.empty() : Optional.of(holder));
        }
        return timeline;
    }

    @Test
    void repeatedHoldersAreOneChange() {
        LeaderTimeline leaders = timeline(0, "pg0", 5, "pg0", 10, "none", 20, "pg1");

        assertThat(leaders.describe()).isEqualTo("pg0 -> none -> pg1");
        assertThat(leaders.changes()).extracting(LeaderTimeline.Change::atNanos).containsExactly(0L, 10 * MS, 20 * MS);
    }

    @Test
    void theLagOfEachChangeBehindTheReference() {
        LeaderTimeline bench = timeline(0, "pg0", 10_000, "none", 12_000, "pg1", 30_000, "pg0");
        LeaderTimeline router = timeline(50, "pg0", 10_070, "none", 12_003, "pg1");

        assertThat(LeaderTimeline.lagMillis(bench.changes(), router.changes(), 2000 * MS)).containsExactly(70L, 3L);
    }

    @Test
    void aChangeSeenEarlierWithinTheWindowHasANegativeLagAndOneSeenTooEarlyIsNotMatched() {
        LeaderTimeline bench = timeline(0, "pg0", 10_000, "none", 20_000, "pg1");
        LeaderTimeline router = timeline(0, "pg0", 9_990, "none", 15_000, "pg1");

        assertThat(LeaderTimeline.lagMillis(bench.changes(), router.changes(), 2000 * MS)).containsExactly(-10L);
        assertThat(LeaderTimeline.lagMillis(bench.changes(), List.of(), 2000 * MS)).isEmpty();
    }
}
