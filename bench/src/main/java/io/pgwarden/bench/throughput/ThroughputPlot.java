package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler.LegendPosition;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The median TPS as grouped bar charts, one PNG per client count with a panel per workload above another (each with
 * its own scale: a new connection per transaction is an order of magnitude slower), a group of bars
 * per query mode and a bar per target.
 */
final class ThroughputPlot {

    private static final int WIDTH = 1000;
    private static final int PANEL_HEIGHT = 340;

    private ThroughputPlot() {
    }

    /** The PNG for one client count, next to the Markdown file that shows it. */
    static String fileName(int clients) {
        return "bench-throughput-" + clients + ".png";
    }

    /** Writes a PNG per client count into {@code dir} and returns the files. */
    static List<Path> write(Path dir, List<Integer> clientCounts, List<String> targetNames,
                            Map<Case, Map<String, CaseStats>> results) throws IOException {
        System.setProperty("java.awt.headless", "true"); // no display needed, nor wanted, to draw into a PNG
        List<Path> files = new ArrayList<>();
        for (int clients : clientCounts) {
            List<CategoryChart> panels = panels(clients, targetNames, results);
            Path file = dir.resolve(fileName(clients));
            BitmapEncoder.saveBitmap(panels, panels.size(), 1, file.toString(), BitmapFormat.PNG);
            files.add(file);
        }
        return files;
    }

    /** A chart per workload that ran with {@code clients}. */
    static List<CategoryChart> panels(int clients, List<String> targetNames, Map<Case, Map<String, CaseStats>> results) {
        List<CategoryChart> panels = new ArrayList<>();
        for (Workload workload : Workload.values()) {
            List<Case> cases = results.keySet().stream()
                    .filter(c -> c.clients() == clients && c.workload() == workload).toList();
            if (!cases.isEmpty()) {
                panels.add(panel(workload.label() + ", " + clients + " clients", cases, targetNames, results));
            }
        }
        return panels;
    }

    private static CategoryChart panel(String title, List<Case> cases, List<String> targetNames,
                                       Map<Case, Map<String, CaseStats>> results) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle("pgbench -M").yAxisTitle("median TPS").build();
        CategoryStyler styler = chart.getStyler();
        styler.setLegendPosition(LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setYAxisDecimalPattern("#,##0");
        styler.setYAxisMin(0.0);
        styler.setAvailableSpaceFill(0.85);
        List<String> modes = cases.stream().map(c -> c.mode().pgbenchName()).toList();
        for (String target : targetNames) {
            // null leaves a gap: the target did not run that case (PgBouncer with -M prepared).
            List<Double> tps = cases.stream().map(c -> results.get(c).get(target))
                    .map(stats -> stats == null || Double.isNaN(stats.medianTps()) ? null : stats.medianTps())
                    .toList();
            if (tps.stream().anyMatch(v -> v != null)) {
                chart.addSeries(target, modes, tps).setFillColor(color(target));
            }
        }
        return chart;
    }

    /** direct in grey, pgwarden in blues, PgBouncer in oranges; the darker shade for transaction mode. */
    static Color color(String target) {
        boolean txn = target.endsWith("-" + PoolMode.TRANSACTION.shortName());
        if (target.startsWith("pgwarden")) {
            return txn ? new Color(0x1f4e9c) : new Color(0x6fa8dc);
        }
        if (target.startsWith("pgbouncer")) {
            return txn ? new Color(0xc55a11) : new Color(0xf6b26b);
        }
        return new Color(0x8c8c8c);
    }
}
