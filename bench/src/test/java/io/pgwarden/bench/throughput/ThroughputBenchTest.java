package io.pgwarden.bench.throughput;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThroughputBenchTest {

    @Test
    void twoTargetsAlternateFromRoundToRound() {
        List<String> targets = List.of("direct", "pgwarden");

        assertThat(ThroughputBench.orderForRound(targets, 0)).containsExactly("direct", "pgwarden");
        assertThat(ThroughputBench.orderForRound(targets, 1)).containsExactly("pgwarden", "direct");
        assertThat(ThroughputBench.orderForRound(targets, 2)).containsExactly("direct", "pgwarden");
    }

    @Test
    void moreTargetsEachLeadInTurn() {
        List<String> targets = List.of("a", "b", "c");

        assertThat(ThroughputBench.orderForRound(targets, 1)).containsExactly("b", "c", "a");
        assertThat(ThroughputBench.orderForRound(targets, 2)).containsExactly("c", "a", "b");
    }

    @Test
    void casesCoverEveryClientCountWorkloadAndMode() {
        List<Case> cases = ThroughputBench.cases(List.of(4, 16));

        assertThat(cases).hasSize(2 * Workload.values().length * QueryMode.values().length);
        assertThat(cases.get(0)).isEqualTo(new Case(Workload.SELECT_ONLY, QueryMode.SIMPLE, 4));
        assertThat(cases.get(1)).isEqualTo(new Case(Workload.SELECT_ONLY, QueryMode.EXTENDED, 4));
        assertThat(cases.get(cases.size() - 1)).isEqualTo(new Case(Workload.CONNECT_STORM, QueryMode.EXTENDED, 16));
    }

    @Test
    void pgbenchThreadsNeverExceedClientsOrCpus() {
        assertThat(PgbenchRunner.threads(1, 2)).isEqualTo(1);
        assertThat(PgbenchRunner.threads(16, 2)).isEqualTo(2);
        assertThat(PgbenchRunner.threads(3, 8)).isEqualTo(3);
    }

    @Test
    void sessionModeRaisesThePoolToTheLargestClientCount() {
        assertThat(settings(List.of(4, 64), 16).sessionPoolSize()).isEqualTo(64);
        assertThat(settings(List.of(4, 8), 16).sessionPoolSize()).isEqualTo(16);
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> settings(List.of(0), 16)).hasMessageContaining("--clients");
        assertThatThrownBy(() -> settings(List.of(), 16)).hasMessageContaining("--clients");
        assertThatThrownBy(() -> settings(List.of(4), 0)).hasMessageContaining("--pool-size");
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(CaseStats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(CaseStats.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
        assertThat(CaseStats.median(new double[0])).isNaN();
    }

    private static ThroughputSettings settings(List<Integer> clients, int poolSize) {
        return new ThroughputSettings(clients, 10, poolSize, 2, 10, null, "bin/pgwarden bench throughput");
    }
}
