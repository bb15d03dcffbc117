package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.pgwarden.bench.failover.Runs.probe;
import static io.pgwarden.bench.failover.Runs.run;
import static org.assertj.core.api.Assertions.assertThat;

class ProbeStatsTest {

    @Test
    void outageAsMinMedianMaxAndCountsAsTheWorstRunPerProbeInFirstSeenOrder() {
        List<FailoverRun> runs = List.of(
                run(Scenario.NODE_CRASH, 1, List.of(probe("pgwarden", 3000, 5, 0, 0), probe("haproxy", 9000, 80, 2, 0)), "pg0"),
                run(Scenario.NODE_CRASH, 2, List.of(probe("pgwarden", 1000, 9, 1, 0), probe("haproxy", 12000, 70, 0, 3)), "pg0"),
                FailoverRun.failed(Scenario.NODE_CRASH, Runs.PATRONI_ASYNC, 3, List.of(), "java.lang.IllegalStateException: no leader"),
                run(Scenario.NODE_CRASH, 4, List.of(probe("pgwarden", 2000, 1, 0, 0), probe("haproxy", 10000, 90, 0, 0)), "pg0"));

        Map<String, ProbeStats> stats = ProbeStats.of(runs);

        assertThat(stats.keySet()).containsExactly("pgwarden", "haproxy");
        assertThat(stats.get("pgwarden")).isEqualTo(new ProbeStats("pgwarden", 3, new Spread(1000, 2000, 3000), 9, 1, 0));
        assertThat(stats.get("haproxy")).isEqualTo(new ProbeStats("haproxy", 3, new Spread(9000, 10000, 12000), 90, 2, 3));
    }

    @Test
    void aProbeOnlySomeScenariosHaveCountsOnlyItsRuns() {
        List<FailoverRun> runs = List.of(
                run(Scenario.FREEZE, 1, List.of(probe("pgwarden", 1, 0, 0, 0), probe("direct", 50, 0, 0, 400)), "pg0"));

        assertThat(ProbeStats.of(runs).get("direct").runs()).isEqualTo(1);
        assertThat(ProbeStats.of(List.of())).isEmpty();
    }
}
