package io.pgwarden.bench.failover;

import io.pgwarden.bench.throughput.MachineFacts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgwarden.bench.failover.Runs.AGENTS;
import static io.pgwarden.bench.failover.Runs.PATRONI_ASYNC;
import static io.pgwarden.bench.failover.Runs.PATRONI_SYNC;
import static io.pgwarden.bench.failover.Runs.probe;
import static io.pgwarden.bench.failover.Runs.run;
import static org.assertj.core.api.Assertions.assertThat;

class FailoverReportTest {

    private static final MachineFacts FACTS = new MachineFacts("2026-01-01T00:00:00Z", 2, "Some CPU", "8.0 GiB",
            "Linux 6.1", "OpenJDK 17", "15.20", "15.20", "1.50 2.00 2.50");
    private static final FailoverSettings SETTINGS = new FailoverSettings(List.of(Scenario.NODE_CRASH,
            Scenario.POSTGRES_CRASH, Scenario.FREEZE, Scenario.SWITCHOVER, Scenario.ETCD_PAUSE),
            List.of(Stack.AGENTS, Stack.PATRONI), List.of(false, true), 3, 10, 2, 3,
            Path.of("docs/benchmarks.md"), "bin/pgwarden bench failover --runs 3 --output docs/benchmarks.md");

    private static FailoverReport report(Map<Scenario, List<FailoverRun>> results) {
        return new FailoverReport(SETTINGS, FACTS, List.of("Patroni 3.0.2", "etcd 3.4.23"), "3.00 2.50 2.00", results);
    }

    private static List<ProbeRun> patroniProbes(long router, long haproxy, int lost) {
        return List.of(probe("pgwarden", router, 10, lost, 0), probe("haproxy", haproxy, 300, lost, 0),
                probe("haproxy-fast", haproxy / 2, 100, lost, 0));
    }

    private static Map<Scenario, List<FailoverRun>> allMet() {
        Map<Scenario, List<FailoverRun>> results = new LinkedHashMap<>();
        results.put(Scenario.NODE_CRASH, List.of(
                run(Scenario.NODE_CRASH, AGENTS, 1, List.of(probe("pgwarden", 10_500, 9, 0, 0)), "node1", "none", "node2"),
                run(Scenario.NODE_CRASH, PATRONI_ASYNC, 1, patroniProbes(11_000, 14_500, 0), "pg0", "none", "pg1"),
                run(Scenario.NODE_CRASH, PATRONI_SYNC, 1, patroniProbes(12_000, 13_000, 0), "pg0", "none", "pg1"),
                run(Scenario.NODE_CRASH, AGENTS, 2, List.of(probe("pgwarden", 10_900, 9, 0, 0)), "node1", "none", "node3")));
        results.put(Scenario.POSTGRES_CRASH, List.of(
                run(Scenario.POSTGRES_CRASH, AGENTS, 1, List.of(probe("pgwarden", 1_800, 2, 0, 0)), "node1")));
        results.put(Scenario.SWITCHOVER, List.of(
                run(Scenario.SWITCHOVER, AGENTS, 1, List.of(probe("pgwarden", 300, 0, 0, 0)), "node1", "node2"),
                run(Scenario.SWITCHOVER, PATRONI_ASYNC, 1, List.of(probe("pgwarden", 2_600, 0, 0, 0),
                        probe("haproxy", 7_000, 149, 0, 0)), "pg0", "none", "pg1")));
        return results;
    }

    @Test
    void theTableHasARowPerStackAndProbeWithTheOutageSpreadAndTheWorstCounts() {
        Map<StackSetup, Map<String, ProbeStats>> stats = new LinkedHashMap<>();
        stats.put(AGENTS, ProbeStats.of(List.of(
                run(Scenario.FREEZE, AGENTS, 1, List.of(probe("pgwarden", 11_000, 40, 0, 0), probe("direct", 5, 0, 0, 0, 3)), "node1"),
                run(Scenario.FREEZE, AGENTS, 2, List.of(probe("pgwarden", 12_000, 41, 0, 0), probe("direct", 7, 0, 0, 0, 1)), "node1"))));
        stats.put(PATRONI_SYNC, ProbeStats.of(List.of(
                run(Scenario.FREEZE, PATRONI_SYNC, 1, List.of(probe("haproxy", 13_000, 300, 147, 2)), "pg0"))));

        assertThat(FailoverReport.table(stats).render()).isEqualTo("""
                | stack        | probe    | runs | outage ms min | median |    max | failed (max) | lost (max) | split-brain (max) | local-only (max) |
                | ------------ | -------- | ---: | ------------: | -----: | -----: | -----------: | ---------: | ----------------: | ---------------: |
                | agents sync  | pgwarden |    2 |        11,000 | 11,500 | 12,000 |           41 |          0 |                 0 |                0 |
                | agents sync  | direct   |    2 |             5 |      6 |      7 |            0 |          0 |                 0 |                3 |
                | patroni sync | haproxy  |    1 |        13,000 | 13,000 | 13,000 |          300 |        147 |                 2 |                0 |
                """);
    }

    @Test
    void howItRanTargetsAndASectionPerScenario() {
        String markdown = report(allMet()).markdown();

        assertThat(markdown)
                .contains("bin/pgwarden bench failover --runs 3 --output docs/benchmarks.md")
                .contains("2 CPUs (Some CPU)")
                .contains("load average at start: 1.50 2.00 2.50, at end: 3.00 2.50 2.00")
                .contains("PostgreSQL 15.20, Patroni 3.0.2, etcd 3.4.23")
                .contains("ttl 10 s, loop_wait 2 s, retry_timeout 3 s on every stack")
                .contains("`agents sync`: pgwarden's agents, synchronous_mode on")
                .contains("`patroni async`: Patroni, synchronous_mode off")
                .contains("`patroni sync`: Patroni, synchronous_mode on")
                .contains("haproxy-fast: the same with `inter 1s fall 2 rise 1`")
                .contains("isolation_timeout 3 s), transaction pool mode, connect_wait_timeout 20 s")
                .contains("heal (freeze: after 30 s, 3 × ttl)")
                .contains("- node-crash outage via pgwarden on the agents ≤ ttl + 1 s (11,000 ms): **met** (max 10,900 ms")
                .contains("- postgres-crash outage via pgwarden on the agents ≤ 2 s: **met** (max 1,800 ms")
                .contains("- lost 0 and split-brain 0 on every path with synchronous_mode on, agents sync: **met**"
                        + " (lost/split-brain, worst run and path: node-crash 0/0, postgres-crash 0/0, switchover 0/0)")
                .contains("- coordinated switchover via pgwarden on the agents: 0 failed, 0 lost, outage median ≤ 500 ms:"
                        + " **met** (at most 0 failed and 0 lost in a run, outage median 300 ms over 1 runs)")
                .contains("- switchover in transaction mode with 0 failed transactions via pgwarden, patroni async: **met**")
                .contains("- switchover in transaction mode with 0 failed transactions via pgwarden, patroni sync: not run")
                .contains("- node-crash outage via pgwarden ≤ HAProxy's (Patroni's example checks), patroni async: **met**"
                        + " (median 11,000 ms vs. 14,500 ms; pgwarden's ≤ HAProxy's in 1 of 1 runs)")
                .contains("### node-crash\n\nFault: kill -9")
                .contains("![Timeline of the node-crash runs](bench-failover-node-crash.png)")
                .contains("<details><summary>switchover: every run</summary>")
                .contains("Side by side in one run: pgwarden's agents with the pgwarden router (`agents sync`,"
                        + " `pgwarden`), a coordinated switchover; Patroni with HAProxy and Patroni's example checks")
                .contains("the router fails a held statement on the client's cancel (57014)")
                .contains("![Timeline of the switchover runs](bench-failover-switchover.png)")
                .contains("| agents sync   | pgwarden |    1 |           300 |")
                .doesNotContain("### freeze");
        assertThat(markdown.indexOf("### node-crash")).isLessThan(markdown.indexOf("### switchover"));
    }

    @Test
    void missedTargetsSayNotMet() {
        Map<Scenario, List<FailoverRun>> results = new LinkedHashMap<>();
        results.put(Scenario.NODE_CRASH, List.of(
                run(Scenario.NODE_CRASH, AGENTS, 1, List.of(probe("pgwarden", 11_001, 9, 0, 0)), "node1", "none", "node2"),
                run(Scenario.NODE_CRASH, PATRONI_SYNC, 1, patroniProbes(9_000, 8_000, 0), "pg0", "none", "pg1")));
        results.put(Scenario.POSTGRES_CRASH, List.of(
                run(Scenario.POSTGRES_CRASH, AGENTS, 1, List.of(probe("pgwarden", 2_001, 2, 0, 0)), "node1")));
        results.put(Scenario.FREEZE, List.of(
                run(Scenario.FREEZE, AGENTS, 1, List.of(probe("pgwarden", 2_000, 2, 0, 0), probe("direct", 20, 0, 0, 4)), "node1"),
                run(Scenario.FREEZE, PATRONI_SYNC, 1, patroniProbes(2_000, 3_000, 467), "pg0", "none", "pg1", "pg0")));

        String targets = report(results).targets();

        assertThat(targets)
                .contains("≤ ttl + 1 s (11,000 ms): **not met** (max 11,001 ms")
                .contains("≤ 2 s: **not met** (max 2,001 ms")
                .contains("agents sync: **not met** (lost/split-brain, worst run and path: node-crash 0/0,"
                        + " postgres-crash 0/0, freeze 0/4)")
                .contains("patroni sync: **not met** (lost/split-brain, worst run and path: node-crash 0/0, freeze 467/0)")
                .contains("patroni sync: **not met** (median 9,000 ms vs. 8,000 ms; pgwarden's ≤ HAProxy's in 0 of 1 runs)")
                .contains("HAProxy's (Patroni's example checks), patroni async: not run")
                .contains("- coordinated switchover via pgwarden on the agents: 0 failed, 0 lost, outage median ≤ 500 ms:"
                        + " not run");
    }

    @Test
    void freezeSaysPerStackHowOftenTheOldLeaderTookTheKeyBack() {
        List<FailoverRun> runs = List.of(
                run(Scenario.FREEZE, PATRONI_ASYNC, 1, List.of(probe("pgwarden", 1, 0, 30, 0)), "pg0", "none", "pg1", "pg0"),
                run(Scenario.FREEZE, AGENTS, 1, List.of(probe("pgwarden", 1, 0, 0, 0)), "node1", "none", "node2"),
                run(Scenario.FREEZE, PATRONI_ASYNC, 2, List.of(probe("pgwarden", 1, 0, 0, 0)), "pg0", "none", "pg1"),
                FailoverRun.failed(Scenario.FREEZE, PATRONI_ASYNC, 3, List.of("half way"),
                        "java.lang.IllegalStateException: boom\n\tat x"));

        String section = report(Map.of(Scenario.FREEZE, runs)).scenarioSection(Scenario.FREEZE, runs);

        assertThat(section)
                .contains("in 0 of 1 completed runs on agents sync, 1 of 2 completed runs on patroni async.")
                .contains("- run 3, patroni async: FAILED: java.lang.IllegalStateException: boom Note: half way.\n")
                .doesNotContain("\tat x");
    }

    @Test
    void aRunLineHasTheStackTheLeaderPathWithTimesAndEveryProbe() {
        FailoverRun run = run(Scenario.FREEZE, AGENTS, 2, List.of(probe("pgwarden", 11_000, 40, 0, 0),
                probe("direct", 20, 0, 0, 0, 3)), "node1", "none", "node2");

        assertThat(FailoverReport.runLine(run)).isEqualTo("- run 2, agents sync: leader node1 → none at +10.1 s → node2"
                + " at +10.2 s; heal at +16.0 s, end at +30.0 s. pgwarden: outage 11,000 ms, 40 failed of 90, lost 0,"
                + " split-brain 0, latency p99 1.5 / max 640.0 ms; direct: outage 20 ms, 0 failed of 50, lost 0,"
                + " split-brain 0, local-only 3, latency p99 1.5 / max 640.0 ms.");
    }

    @Test
    void noCompletedRunMeansNoTableAndNoPlot() {
        List<FailoverRun> runs = List.of(FailoverRun.failed(Scenario.NODE_CRASH, AGENTS, 1, List.of(), "boom"));

        String section = report(Map.of(Scenario.NODE_CRASH, runs)).scenarioSection(Scenario.NODE_CRASH, runs);

        assertThat(section).contains("No run completed.").doesNotContain("![");
    }
}
