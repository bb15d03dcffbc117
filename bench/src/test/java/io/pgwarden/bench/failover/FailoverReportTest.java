package io.pgwarden.bench.failover;

import io.pgwarden.bench.throughput.MachineFacts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pgwarden.bench.failover.Runs.probe;
import static io.pgwarden.bench.failover.Runs.run;
import static org.assertj.core.api.Assertions.assertThat;

class FailoverReportTest {

    private static final MachineFacts FACTS = new MachineFacts("2026-01-01T00:00:00Z", 2, "Some CPU", "8.0 GiB",
            "Linux 6.1", "OpenJDK 17", "15.20", "15.20", "1.50 2.00 2.50");
    private static final FailoverSettings SETTINGS = new FailoverSettings(
            List.of(Scenario.CRASH, Scenario.FREEZE, Scenario.SWITCHOVER, Scenario.ETCD_PAUSE), 3, 10, 2, 3,
            Path.of("docs/benchmarks.md"), "bin/pgwarden bench failover --runs 3 --output docs/benchmarks.md");

    private static FailoverReport report(Map<Scenario, List<FailoverRun>> results) {
        return new FailoverReport(SETTINGS, FACTS, List.of("Patroni 3.0.2", "etcd 3.4.23"), "3.00 2.50 2.00", results);
    }

    private static Map<Scenario, List<FailoverRun>> allMet() {
        Map<Scenario, List<FailoverRun>> results = new LinkedHashMap<>();
        results.put(Scenario.CRASH, List.of(
                run(Scenario.CRASH, 1, List.of(probe("pgwarden", 11_000, 40, 0, 0), probe("haproxy", 14_500, 300, 0, 0)), "pg0", "none", "pg1"),
                run(Scenario.CRASH, 2, List.of(probe("pgwarden", 12_000, 41, 0, 0), probe("haproxy", 13_000, 280, 0, 0)), "pg0", "none", "pg2")));
        results.put(Scenario.SWITCHOVER, List.of(
                run(Scenario.SWITCHOVER, 1, List.of(probe("pgwarden", 2_600, 0, 0, 0), probe("haproxy", 7_000, 149, 0, 0)), "pg0", "none", "pg1")));
        return results;
    }

    @Test
    void theTableHasTheOutageSpreadAndTheWorstCountsPerProbe() {
        String table = FailoverReport.table(ProbeStats.of(allMet().get(Scenario.CRASH))).render();

        assertThat(table).isEqualTo("""
                | probe    | runs | outage ms min | median |    max | failed (max) | lost (max) | split-brain (max) |
                | -------- | ---: | ------------: | -----: | -----: | -----------: | ---------: | ----------------: |
                | pgwarden |    2 |        11,000 | 11,500 | 12,000 |           41 |          0 |                 0 |
                | haproxy  |    2 |        13,000 | 13,750 | 14,500 |          300 |          0 |                 0 |
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
                .contains("ttl 10 s, loop_wait 2 s, retry_timeout 3 s")
                .contains("isolation_timeout 3 s), transaction pool mode, connect_wait_timeout 20 s")
                .contains("- split-brain writes via pgwarden = 0 in every scenario: **met** (crash 0, switchover 0)")
                .contains("- lost acknowledged writes via pgwarden = 0 in crash, switchover and etcd-pause: **met** (crash 0, switchover 0)")
                .contains("- switchover in transaction mode with 0 failed transactions via pgwarden: **met**")
                .contains("- crash outage via pgwarden ≤ HAProxy's: **met** (median 11,500 ms vs. 13,750 ms;"
                        + " pgwarden's ≤ HAProxy's in 2 of 2 runs)")
                .contains("### crash\n\nFault: kill -9")
                .contains("![Timeline of the crash runs](bench-failover-crash.png)")
                .contains("<details><summary>switchover: every run</summary>")
                .doesNotContain("### freeze");
        assertThat(markdown.indexOf("### crash")).isLessThan(markdown.indexOf("### switchover"));
    }

    @Test
    void missedTargetsSayNotMet() {
        Map<Scenario, List<FailoverRun>> results = new LinkedHashMap<>();
        results.put(Scenario.CRASH, List.of(
                run(Scenario.CRASH, 1, List.of(probe("pgwarden", 9_000, 40, 2, 1), probe("haproxy", 8_000, 300, 0, 0)), "pg0", "none", "pg1")));
        results.put(Scenario.SWITCHOVER, List.of(
                run(Scenario.SWITCHOVER, 1, List.of(probe("pgwarden", 2_600, 3, 0, 0), probe("haproxy", 7_000, 149, 0, 0)), "pg0", "none", "pg1")));

        String targets = report(results).targets();

        assertThat(targets)
                .contains("every scenario: **not met** (crash 1, switchover 0)")
                .contains("etcd-pause: **not met** (crash 2, switchover 0)")
                .contains("failed transactions via pgwarden: **not met** (at most 3 failed in a run)")
                .contains("≤ HAProxy's: **not met** (median 9,000 ms vs. 8,000 ms; pgwarden's ≤ HAProxy's in 0 of 1 runs)");
    }

    @Test
    void freezeSaysHowOftenTheOldLeaderTookTheKeyBack() {
        List<FailoverRun> runs = List.of(
                run(Scenario.FREEZE, 1, List.of(probe("pgwarden", 1, 0, 30, 0)), "pg0", "none", "pg1", "pg0"),
                run(Scenario.FREEZE, 2, List.of(probe("pgwarden", 1, 0, 0, 0)), "pg0", "none", "pg1"),
                FailoverRun.failed(Scenario.FREEZE, 3, List.of("half way"), "java.lang.IllegalStateException: boom\n\tat x"));

        String section = report(Map.of(Scenario.FREEZE, runs)).scenarioSection(Scenario.FREEZE, runs);

        assertThat(section)
                .contains("in 1 of 2 completed runs")
                .contains("- run 3: FAILED: java.lang.IllegalStateException: boom Note: half way.\n")
                .doesNotContain("\tat x");
    }

    @Test
    void aRunLineHasTheLeaderPathWithTimesAndEveryProbe() {
        FailoverRun run = run(Scenario.CRASH, 2, List.of(probe("pgwarden", 11_000, 40, 0, 0)), "pg0", "none", "pg1");

        assertThat(FailoverReport.runLine(run)).isEqualTo("- run 2: leader pg0 → none at +10.1 s → pg1 at +10.2 s;"
                + " heal at +16.0 s, end at +30.0 s. pgwarden: outage 11,000 ms, 40 failed of 90, lost 0,"
                + " split-brain 0, latency p99 1.5 / max 640.0 ms.");
    }

    @Test
    void noCompletedRunMeansNoTableAndNoPlot() {
        List<FailoverRun> runs = List.of(FailoverRun.failed(Scenario.CRASH, 1, List.of(), "boom"));

        String section = report(Map.of(Scenario.CRASH, runs)).scenarioSection(Scenario.CRASH, runs);

        assertThat(section).contains("No run completed.").doesNotContain("![");
    }
}
