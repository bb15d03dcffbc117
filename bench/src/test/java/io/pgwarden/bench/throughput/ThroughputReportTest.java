package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputReportTest {

    private static final MachineFacts FACTS = new MachineFacts("2026-01-01T00:00:00Z", 2, "Some CPU", "8.0 GiB",
            "Linux 6.1", "OpenJDK 17", "15.20", "15.20", "0.10 0.20 0.30");

    private static final List<Target> TARGETS = List.of(
            new StubTarget("direct", null, true),
            new StubTarget("pgwarden-txn", PoolMode.TRANSACTION, true),
            new StubTarget("pgbouncer-txn", PoolMode.TRANSACTION, false),
            new StubTarget("pgwarden-session", PoolMode.SESSION, true),
            new StubTarget("pgbouncer-session", PoolMode.SESSION, false));

    @Test
    void oneRowPerTargetWithMediansAndTheRatioToDirect() {
        Case select = new Case(Workload.SELECT_ONLY, QueryMode.EXTENDED, 8);
        Map<String, CaseStats> byTarget = new LinkedHashMap<>();
        byTarget.put("direct", stats(run(1000, 1.0, 0, null, 900), run(1200, 0.8, 0, null, 1100)));
        byTarget.put("pgwarden-txn", stats(run(900, 1.2, 2, null, 1500), run(700, 1.5, 1, "exit code 2: aborted", 2000)));
        Map<Case, Map<String, CaseStats>> results = Map.of(select, byTarget);

        String markdown = report(settings(8), List.of(), results).markdown();

        assertThat(markdown)
                .contains("bin/pgwarden bench throughput --clients 8")
                .contains("2 CPUs (Some CPU)")
                .contains("PostgreSQL 15.20")
                .contains("- target pgbouncer-txn: pgbouncer-txn described\n")
                .contains("| select-only | extended |       8 | direct       | 1100 |")
                .contains("| select-only | extended |       8 | pgwarden-txn |  800 |")
                .contains("|       0.73 |") // 800 / 1100
                .contains("3 (aborted in 1 of 2)")
                .doesNotContain("raised to")
                .doesNotContain("![");
    }

    @Test
    void poolersAreComparedWithPgBouncerInTheirOwnPoolMode() {
        Case tpcb = new Case(Workload.TPC_B, QueryMode.SIMPLE, 8);
        Map<String, CaseStats> byTarget = new LinkedHashMap<>();
        byTarget.put("direct", stats(run(1000, 1.0, 0, null, 900)));
        byTarget.put("pgwarden-txn", stats(run(900, 1.0, 0, null, 900)));
        byTarget.put("pgbouncer-txn", stats(run(600, 1.0, 0, null, 900)));
        byTarget.put("pgwarden-session", stats(run(800, 1.0, 0, null, 900)));
        byTarget.put("pgbouncer-session", stats(run(400, 1.0, 0, null, 900)));

        List<List<String>> rows = rows(report(settings(8), List.of(), Map.of(tpcb, byTarget)));

        // target, vs. direct, vs. PgBouncer
        assertThat(rows).containsExactly(
                List.of("direct", "1.00", "-"),
                List.of("pgwarden-txn", "0.90", "1.50"),
                List.of("pgbouncer-txn", "0.60", "1.00"),
                List.of("pgwarden-session", "0.80", "2.00"),
                List.of("pgbouncer-session", "0.40", "1.00"));
    }

    @Test
    void withoutPgBouncerThereIsNothingToCompareWith() {
        Case prepared = new Case(Workload.SELECT_ONLY, QueryMode.PREPARED, 8);
        Map<String, CaseStats> byTarget = new LinkedHashMap<>();
        byTarget.put("direct", stats(run(1000, 1.0, 0, null, 900)));
        byTarget.put("pgwarden-txn", stats(run(900, 1.0, 0, null, 900)));

        ThroughputReport report = report(settingsWithModes(8, List.of(QueryMode.PREPARED)),
                List.of("PgBouncer skipped: not installed"), Map.of(prepared, byTarget));

        assertThat(rows(report)).containsExactly(List.of("direct", "1.00", "-"), List.of("pgwarden-txn", "0.90", "-"));
        assertThat(report.markdown())
                .contains("- PgBouncer skipped: not installed\n")
                .contains("-M prepared runs against direct and pgwarden only");
    }

    @Test
    void ratioIsNotAvailableWhenTheBaselineDidNothing() {
        CaseStats stats = stats(run(900, 1.0, 0, null, 900));

        assertThat(ThroughputReport.ratio(stats, Optional.of(stats(run(0, Double.NaN, 0, "exit code 2", 900)))))
                .isEqualTo("n/a");
        assertThat(ThroughputReport.ratio(stats, Optional.empty())).isEqualTo(ThroughputReport.NOT_COMPARED);
        assertThat(ThroughputReport.ratio(stats, Optional.of(stats(run(450, 1.0, 0, null, 900))))).isEqualTo("2.00");
    }

    @Test
    void saysWhenSessionModeRaisedThePoolSize() {
        String markdown = report(settings(64), List.of(), Map.of()).markdown();

        assertThat(markdown).contains("--pool-size 16 raised to 64 in session mode");
    }

    @Test
    void linksAPlotPerClientCountWhenWritingAFile() {
        ThroughputSettings settings = new ThroughputSettings(List.of(4, 16), 10, 16, 2, 10, List.of(PoolMode.values()),
                List.of(QueryMode.SIMPLE), Path.of("docs/benchmarks.md"), "bin/pgwarden bench throughput");

        assertThat(report(settings, List.of(), Map.of()).markdown())
                .contains("![Median TPS with 4 clients](bench-throughput-4.png)")
                .contains("![Median TPS with 16 clients](bench-throughput-16.png)");
    }

    @Test
    void memoryInGibibytes() {
        assertThat(MachineFacts.gibibytes("24684084 kB")).isEqualTo("23.5 GiB");
        assertThat(MachineFacts.gibibytes("lots")).isEqualTo("lots");
    }

    private static ThroughputReport report(ThroughputSettings settings, List<String> notes,
                                           Map<Case, Map<String, CaseStats>> results) {
        return new ThroughputReport(settings, FACTS, TARGETS, notes, results);
    }

    /** Target, vs. direct and vs. PgBouncer of each table row. */
    private static List<List<String>> rows(ThroughputReport report) {
        return report.table().render().lines().skip(2)
                .map(line -> line.split("\\|"))
                .map(cells -> List.of(cells[4].strip(), cells[8].strip(), cells[9].strip()))
                .toList();
    }

    private static ThroughputSettings settings(int clients) {
        return settingsWithModes(clients, List.of(QueryMode.SIMPLE, QueryMode.EXTENDED));
    }

    private static ThroughputSettings settingsWithModes(int clients, List<QueryMode> modes) {
        return new ThroughputSettings(List.of(clients), 10, 16, 2, 10, List.of(PoolMode.values()), modes, null,
                "bin/pgwarden bench throughput --clients " + clients);
    }

    @Test
    void cpuPerTransactionIsTheMedianOverRoundsAndADashWhereNotMeasured() {
        Case select = new Case(Workload.SELECT_ONLY, QueryMode.SIMPLE, 8);
        Histogram latencies = new Histogram(3);
        latencies.recordValue(900);
        Map<String, CaseStats> byTarget = new LinkedHashMap<>();
        byTarget.put("direct", stats(run(1000, 1.0, 0, null, 900)));
        // 100 transactions per run: 1.2 ms, 2.0 ms and 5.0 ms of CPU are 12, 20 and 50 µs per transaction.
        byTarget.put("pgwarden-txn", stats(
                new RunResult(new PgbenchSummary(100, 0, 1.0, 900), latencies, null, Optional.of(Duration.ofNanos(1_200_000))),
                new RunResult(new PgbenchSummary(100, 0, 1.0, 900), latencies, null, Optional.of(Duration.ofNanos(5_000_000))),
                new RunResult(new PgbenchSummary(100, 0, 1.0, 900), latencies, null, Optional.of(Duration.ofNanos(2_000_000)))));

        String markdown = report(settings(8), List.of(), Map.of(select, byTarget)).markdown();

        assertThat(markdown).contains("pooler CPU µs/tx");
        assertThat(markdown.lines().filter(l -> l.contains("| pgwarden-txn |")).findFirst().orElseThrow())
                .contains("|             20.0 |");
        assertThat(markdown.lines().filter(l -> l.contains("| direct ")).findFirst().orElseThrow())
                .contains("|                - |");
    }

    private static CaseStats stats(RunResult... runs) {
        CaseStats stats = new CaseStats();
        for (RunResult run : runs) {
            stats.add(run);
        }
        return stats;
    }

    private static RunResult run(double tps, double latencyMs, long failed, String problem, long latencyMicros) {
        Histogram latencies = new Histogram(3);
        latencies.recordValue(latencyMicros);
        return new RunResult(new PgbenchSummary(100, failed, latencyMs, tps), latencies, problem, Optional.empty());
    }
}
