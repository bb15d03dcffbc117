package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputPlotTest {

    private static final List<String> TARGETS = List.of("direct", "pgwarden-session", "pgbouncer-session",
            "pgwarden-txn", "pgbouncer-txn");

    @Test
    void writesAPngPerClientCount(@TempDir Path dir) throws IOException {
        List<Path> files = ThroughputPlot.write(dir, List.of(4, 16), TARGETS, results(List.of(4, 16)));

        assertThat(files).containsExactly(dir.resolve("bench-throughput-4.png"), dir.resolve("bench-throughput-16.png"));
        BufferedImage image = ImageIO.read(files.get(0).toFile());
        assertThat(image.getWidth()).isGreaterThan(800);
    }

    @Test
    void aPanelPerWorkloadAGroupPerModeABarPerTargetThatRanIt() {
        List<CategoryChart> panels = ThroughputPlot.panels(4, TARGETS, results(List.of(4, 16)));

        assertThat(panels).extracting(CategoryChart::getTitle).containsExactly("select-only, 4 clients",
                "tpc-b, 4 clients", "select-only, new connection per tx, 4 clients");
        CategoryChart tpcb = panels.get(1);
        assertThat(tpcb.getSeriesMap().keySet()).containsExactlyElementsOf(TARGETS);
        List<Object> modes = List.copyOf(tpcb.getSeriesMap().get("pgbouncer-txn").getXData());
        assertThat(modes).containsExactly("simple", "prepared");
        List<Number> tps = new ArrayList<>(tpcb.getSeriesMap().get("pgbouncer-txn").getYData());
        assertThat(tps).containsExactly(3000.0, null);
    }

    @Test
    void poolersHaveTheirOwnColoursDarkerInTransactionMode() {
        assertThat(ThroughputPlot.color("pgwarden-txn")).isNotEqualTo(ThroughputPlot.color("pgwarden-session"));
        assertThat(ThroughputPlot.color("pgwarden-txn")).isNotEqualTo(ThroughputPlot.color("pgbouncer-txn"));
        assertThat(ThroughputPlot.color("pgbouncer-txn").getRGB()).isNotEqualTo(ThroughputPlot.color("direct").getRGB());
    }

    /** Made-up figures in the proportions of a real run: fewer TPS for TPC-B, far fewer with a connection per tx. */
    private static Map<Case, Map<String, CaseStats>> results(List<Integer> clientCounts) {
        Map<Case, Map<String, CaseStats>> results = new LinkedHashMap<>();
        for (int clients : clientCounts) {
            for (Workload workload : Workload.values()) {
                double base = switch (workload) {
                    case SELECT_ONLY -> 10_000;
                    case TPC_B -> 5_000;
                    case CONNECT_STORM -> 1_000;
                };
                for (QueryMode mode : List.of(QueryMode.SIMPLE, QueryMode.PREPARED)) {
                    Map<String, CaseStats> byTarget = new LinkedHashMap<>();
                    for (int i = 0; i < TARGETS.size(); i++) {
                        if (mode == QueryMode.PREPARED && TARGETS.get(i).startsWith("pgbouncer")) {
                            continue;
                        }
                        byTarget.put(TARGETS.get(i), stats(base * (1 - 0.1 * i)));
                    }
                    results.put(new Case(workload, mode, clients), byTarget);
                }
            }
        }
        return results;
    }

    private static CaseStats stats(double tps) {
        Histogram latencies = new Histogram(3);
        latencies.recordValue(1000);
        CaseStats stats = new CaseStats();
        stats.add(new RunResult(new PgbenchSummary(100, 0, 1.0, tps), latencies, null, java.util.Optional.empty()));
        return stats;
    }
}
