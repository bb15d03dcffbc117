package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputReportTest {

    private static final MachineFacts FACTS = new MachineFacts("2026-01-01T00:00:00Z", 2, "Some CPU", "8.0 GiB",
            "Linux 6.1", "OpenJDK 17", "15.20", "15.20", "0.10 0.20 0.30");

    @Test
    void oneRowPerTargetWithMediansAndTheRatioToDirect() {
        Case select = new Case(Workload.SELECT_ONLY, QueryMode.EXTENDED, 8);
        Map<String, CaseStats> byTarget = new LinkedHashMap<>();
        byTarget.put("direct", stats(run(1000, 1.0, 0, null, 900), run(1200, 0.8, 0, null, 1100)));
        byTarget.put("pgwarden", stats(run(900, 1.2, 2, null, 1500), run(700, 1.5, 1, "exit code 2: aborted", 2000)));
        Map<Case, Map<String, CaseStats>> results = Map.of(select, byTarget);

        String markdown = new ThroughputReport(settings(8), FACTS, List.of("direct: PostgreSQL"), results).markdown();

        assertThat(markdown)
                .contains("bin/pgwarden bench throughput --clients 8")
                .contains("2 CPUs (Some CPU)")
                .contains("PostgreSQL 15.20")
                .contains("| select-only | extended |       8 | direct   | 1100 |")
                .contains("| select-only | extended |       8 | pgwarden |  800 |")
                .contains("|       0.73 |") // 800 / 1100
                .contains("3 (aborted in 1 of 2)")
                .doesNotContain("raised to");
    }

    @Test
    void saysWhenSessionModeRaisedThePoolSize() {
        String markdown = new ThroughputReport(settings(64), FACTS, List.of(), Map.of()).markdown();

        assertThat(markdown).contains("--pool-size 16 raised to 64");
    }

    @Test
    void memoryInGibibytes() {
        assertThat(MachineFacts.gibibytes("24684084 kB")).isEqualTo("23.5 GiB");
        assertThat(MachineFacts.gibibytes("lots")).isEqualTo("lots");
    }

    private static ThroughputSettings settings(int clients) {
        return new ThroughputSettings(List.of(clients), 10, 16, 2, 10, null,
                "bin/pgwarden bench throughput --clients " + clients);
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
        return new RunResult(new PgbenchSummary(100, failed, latencyMs, tps), latencies, problem);
    }
}
