package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
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
        assertThat(ThroughputBench.orderForRound(targets, 2)).containsExactly("pgwarden", "direct");
        assertThat(ThroughputBench.orderForRound(targets, 3)).containsExactly("direct", "pgwarden");
    }

    @Test
    void pgwardenDoesNotAlwaysRunRightBeforePgBouncer() {
        List<String> targets = List.of("direct", "pgwarden-session", "pgbouncer-session", "pgwarden-txn", "pgbouncer-txn");

        for (int round = 0; round < 4; round++) {
            List<String> order = ThroughputBench.orderForRound(targets, round);
            for (String mode : List.of("session", "txn")) {
                boolean pgwardenFirst = order.indexOf("pgwarden-" + mode) < order.indexOf("pgbouncer-" + mode);
                assertThat(pgwardenFirst).as("round %d, %s mode: %s", round, mode, order).isEqualTo(round % 2 == 0);
            }
        }
    }

    @Test
    void everyTargetLeadsInTurn() {
        List<String> targets = List.of("a", "b", "c");

        assertThat(ThroughputBench.orderForRound(targets, 0)).containsExactly("a", "b", "c");
        assertThat(ThroughputBench.orderForRound(targets, 1)).containsExactly("c", "b", "a");
        assertThat(ThroughputBench.orderForRound(targets, 2)).containsExactly("b", "c", "a");
        assertThat(ThroughputBench.orderForRound(targets, 3)).containsExactly("a", "c", "b");
        assertThat(ThroughputBench.orderForRound(targets, 4)).containsExactly("c", "a", "b");
    }

    @Test
    void connectionStormsRunAtLeastThreeRoundsOfEightSeconds() {
        ThroughputSettings quick = new ThroughputSettings(List.of(4), 5, 16, 1, 10, List.of(PoolMode.TRANSACTION),
                List.of(QueryMode.SIMPLE), null, "bench");
        assertThat(quick.rounds(Workload.CONNECT_STORM)).isEqualTo(3);
        assertThat(quick.durationSeconds(Workload.CONNECT_STORM)).isEqualTo(8);
        assertThat(quick.rounds(Workload.SELECT_ONLY)).isEqualTo(1);
        assertThat(quick.durationSeconds(Workload.TPC_B)).isEqualTo(5);

        ThroughputSettings longer = new ThroughputSettings(List.of(4), 30, 16, 5, 10, List.of(PoolMode.TRANSACTION),
                List.of(QueryMode.SIMPLE), null, "bench");
        assertThat(longer.rounds(Workload.CONNECT_STORM)).isEqualTo(5);
        assertThat(longer.durationSeconds(Workload.CONNECT_STORM)).isEqualTo(30);
    }

    @Test
    void casesCoverEveryClientCountWorkloadAndMode() {
        List<Case> cases = ThroughputBench.cases(List.of(4, 16), List.of(QueryMode.SIMPLE, QueryMode.EXTENDED));

        assertThat(cases).hasSize(2 * Workload.values().length * 2);
        assertThat(cases.get(0)).isEqualTo(new Case(Workload.SELECT_ONLY, QueryMode.SIMPLE, 4));
        assertThat(cases.get(1)).isEqualTo(new Case(Workload.SELECT_ONLY, QueryMode.EXTENDED, 4));
        assertThat(cases.get(cases.size() - 1)).isEqualTo(new Case(Workload.CONNECT_STORM, QueryMode.EXTENDED, 16));
    }

    @Test
    void preparedCasesLeavePgBouncerOut() {
        List<Target> targets = List.of(
                new StubTarget("direct", null, true),
                new StubTarget("pgwarden-txn", PoolMode.TRANSACTION, true),
                new StubTarget("pgbouncer-txn", PoolMode.TRANSACTION, false));

        assertThat(ThroughputBench.targetsFor(new Case(Workload.TPC_B, QueryMode.PREPARED, 8), targets))
                .extracting(Target::name).containsExactly("direct", "pgwarden-txn");
        assertThat(ThroughputBench.targetsFor(new Case(Workload.TPC_B, QueryMode.EXTENDED, 8), targets))
                .extracting(Target::name).containsExactly("direct", "pgwarden-txn", "pgbouncer-txn");
    }

    @Test
    void pgbenchThreadsNeverExceedClientsOrCpus() {
        assertThat(PgbenchRunner.threads(QueryMode.SIMPLE, 1, 2)).isEqualTo(1);
        assertThat(PgbenchRunner.threads(QueryMode.EXTENDED, 16, 2)).isEqualTo(2);
        assertThat(PgbenchRunner.threads(QueryMode.SIMPLE, 3, 8)).isEqualTo(3);
    }

    @Test
    void preparedRunsGetAThreadPerClient() {
        assertThat(PgbenchRunner.threads(QueryMode.PREPARED, 100, 2)).isEqualTo(100);
    }

    @Test
    void sessionModeRaisesThePoolToTheLargestClientCountAndTransactionModeKeepsIt() {
        assertThat(settings(List.of(4, 64), 16).poolSize(PoolMode.SESSION)).isEqualTo(64);
        assertThat(settings(List.of(4, 64), 16).poolSize(PoolMode.TRANSACTION)).isEqualTo(16);
        assertThat(settings(List.of(4, 64), 16).sessionPoolRaised()).isTrue();
        assertThat(settings(List.of(4, 8), 16).poolSize(PoolMode.SESSION)).isEqualTo(16);
        assertThat(settings(List.of(4, 8), 16).sessionPoolRaised()).isFalse();
    }

    @Test
    void postgresNeedsConnectionsForDirectClientsAndEveryPool() {
        // 100 direct clients + pgwarden and PgBouncer with 100 each in session mode and 16 each in transaction mode
        assertThat(settings(List.of(100), 16).serverConnections()).isEqualTo(100 + 2 * 100 + 2 * 16);
    }

    @Test
    void modesParseByTheirOptionNames() {
        assertThat(PoolMode.parse("transaction")).isEqualTo(PoolMode.TRANSACTION);
        assertThat(QueryMode.parse("prepared")).isEqualTo(QueryMode.PREPARED);
        assertThatThrownBy(() -> PoolMode.parse("txn")).hasMessageContaining("session or transaction");
        assertThatThrownBy(() -> QueryMode.parse("fast")).hasMessageContaining("simple, extended, prepared");
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> settings(List.of(0), 16)).hasMessageContaining("--clients");
        assertThatThrownBy(() -> settings(List.of(), 16)).hasMessageContaining("--clients");
        assertThatThrownBy(() -> settings(List.of(4), 0)).hasMessageContaining("--pool-size");
        assertThatThrownBy(() -> new ThroughputSettings(List.of(4), 10, 16, 2, 10, List.of(), List.of(QueryMode.SIMPLE),
                null, "bin/pgwarden bench throughput")).hasMessageContaining("--pool-modes");
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(CaseStats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(CaseStats.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
        assertThat(CaseStats.median(new double[0])).isNaN();
    }

    private static ThroughputSettings settings(List<Integer> clients, int poolSize) {
        return new ThroughputSettings(clients, 10, poolSize, 2, 10, List.of(PoolMode.values()),
                List.of(QueryMode.SIMPLE, QueryMode.EXTENDED), null, "bin/pgwarden bench throughput");
    }
}
