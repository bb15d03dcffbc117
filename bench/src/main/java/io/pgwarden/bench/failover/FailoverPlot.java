package io.pgwarden.bench.failover;

import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The runs of one scenario as timelines, one panel per run above another: x is seconds since the
 * fault, a lane per probe with a dot per acknowledged write colored by the member that acknowledged
 * it and a red cross below the lane per failed attempt, and a vertical line per leader change in the
 * new holder's color (grey for nobody), labelled at the top, with the fault and the heal in black.
 */
final class FailoverPlot {

    private static final int WIDTH = 1200;
    private static final int PANEL_HEIGHT = 300;
    private static final double FAILURE_OFFSET = 0.25;
    private static final double BOTTOM = -0.8;
    /** The plot area's width without axis and legend, and a character's width in the annotation font, in pixels. */
    private static final double PLOT_WIDTH = 1020;
    private static final double CHAR_WIDTH = 7;
    private static final double TOP_MARGIN = 0.7;
    /** Leader changes closer than this share one label. */
    static final double MERGE_SECONDS = 1.5;
    private static final Color FAILURE = new Color(0xd62728);
    private static final Color NO_LEADER = new Color(0x9e9e9e);
    private static final Color[] NODES = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b)};

    private FailoverPlot() {
    }

    /** The PNG for one scenario, next to the Markdown file that shows it. */
    static String fileName(Scenario scenario) {
        return "bench-failover-" + scenario.cliName() + ".png";
    }

    /** Writes the scenario's PNG into {@code dir}, or nothing if no run completed; returns the file. */
    static Optional<Path> write(Path dir, Scenario scenario, List<FailoverRun> runs) throws IOException {
        System.setProperty("java.awt.headless", "true"); // no display needed, nor wanted, to draw into a PNG
        List<XYChart> panels = panels(scenario, runs);
        if (panels.isEmpty()) {
            return Optional.empty();
        }
        Path file = dir.resolve(fileName(scenario));
        BitmapEncoder.saveBitmap(panels, panels.size(), 1, file.toString(), BitmapFormat.PNG);
        return Optional.of(file);
    }

    /** A chart per completed run. */
    static List<XYChart> panels(Scenario scenario, List<FailoverRun> runs) {
        return runs.stream().filter(FailoverRun::succeeded).map(run -> panel(scenario, run)).toList();
    }

    private static XYChart panel(Scenario scenario, FailoverRun run) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title(scenario.cliName() + ", " + run.setup().label() + ", run " + run.number() + ": leader "
                        + run.leaderPath())
                .xAxisTitle("seconds since the fault").yAxisTitle("").build();
        List<String> lanes = run.probes().stream().map(ProbeRun::probe).toList();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridHorizontalLinesVisible(false);
        styler.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        styler.setMarkerSize(4);
        double top = lanes.size() - 1 + TOP_MARGIN;
        styler.setYAxisMin(BOTTOM);
        styler.setYAxisMax(top);
        styler.setYAxisTicksVisible(false); // lanes are named inside the plot: XChart puts no labels on chosen y values
        styler.setAnnotationTextFontColor(Color.DARK_GRAY);

        double[] xRange = xRange(run);
        styler.setXAxisMin(xRange[0]);
        styler.setXAxisMax(xRange[1]);
        // The router's lane on top: lane i is drawn at y = lanes - 1 - i, its name just above it at the left.
        double labelX = xRange[0] + (xRange[1] - xRange[0]) * 0.045;
        for (int lane = 0; lane < lanes.size(); lane++) {
            chart.addAnnotation(new AnnotationText(lanes.get(lane), labelX, lanes.size() - 1 - lane + 0.28, false));
        }

        TreeSet<String> nodes = new TreeSet<>(run.nodeByPort().values());
        for (String node : nodes) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int lane = 0; lane < lanes.size(); lane++) {
                for (Attempt attempt : run.probes().get(lane).attempts()) {
                    if (attempt.acknowledged() && node.equals(run.nodeByPort().get(attempt.serverPort()))) {
                        xs.add(seconds(attempt.doneNanos() - run.faultNanos()));
                        ys.add((double) (lanes.size() - 1 - lane));
                    }
                }
            }
            if (!xs.isEmpty()) {
                XYSeries series = chart.addSeries("ack by " + node, xs, ys);
                series.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(color(node, nodes));
            }
        }
        List<Double> failX = new ArrayList<>();
        List<Double> failY = new ArrayList<>();
        for (int lane = 0; lane < lanes.size(); lane++) {
            for (Attempt attempt : run.probes().get(lane).attempts()) {
                if (!attempt.acknowledged()) {
                    failX.add(seconds(attempt.doneNanos() - run.faultNanos()));
                    failY.add(lanes.size() - 1 - lane - FAILURE_OFFSET);
                }
            }
        }
        if (!failX.isEmpty()) {
            chart.addSeries("failed", failX, failY).setMarker(SeriesMarkers.CROSS).setMarkerColor(FAILURE);
        }

        List<LeaderTimeline.Change> changes = run.leaders();
        for (int i = 1; i < changes.size(); i++) {
            LeaderTimeline.Change change = changes.get(i);
            Color color = change.leader().map(n -> color(n, nodes)).orElse(NO_LEADER);
            verticalLine(chart, "leader " + i, seconds(change.atNanos() - run.faultNanos()), top, color, false);
        }
        double secondsPerPixel = (xRange[1] - xRange[0]) / PLOT_WIDTH;
        for (LeaderLabel label : leaderLabels(changes, run.faultNanos())) {
            chart.addAnnotation(rightOf(label.text(), label.x(), top - 0.14, secondsPerPixel));
        }
        verticalLine(chart, "fault", 0, top, Color.BLACK, true);
        chart.addAnnotation(rightOf("fault", 0, BOTTOM + 0.12, secondsPerPixel));
        if (run.healNanos() != run.faultNanos()) {
            double heal = seconds(run.healNanos() - run.faultNanos());
            verticalLine(chart, "heal", heal, top, Color.BLACK, true);
            chart.addAnnotation(rightOf("heal", heal, BOTTOM + 0.12, secondsPerPixel));
        }
        return chart;
    }

    /** A label at the top of the plot: the holders from one leader change on, e.g. {@code none → pg0}. */
    record LeaderLabel(double x, String text) {
    }

    /**
     * Labels for the leader changes after the first holder, changes closer than {@link #MERGE_SECONDS}
     * to the previous one joined into one label so that they do not print over each other.
     */
    static List<LeaderLabel> leaderLabels(List<LeaderTimeline.Change> changes, long faultNanos) {
        List<LeaderLabel> labels = new ArrayList<>();
        double lastX = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < changes.size(); i++) {
            LeaderTimeline.Change change = changes.get(i);
            double x = seconds(change.atNanos() - faultNanos);
            String holder = change.leader().orElse("none");
            if (!labels.isEmpty() && x - lastX < MERGE_SECONDS) {
                LeaderLabel previous = labels.remove(labels.size() - 1);
                labels.add(new LeaderLabel(previous.x(), previous.text() + " → " + holder));
            } else {
                labels.add(new LeaderLabel(x, holder));
            }
            lastX = x;
        }
        return labels;
    }

    /** XChart centers annotation text on its point: this puts it just right of {@code x} instead (roughly). */
    private static AnnotationText rightOf(String text, double x, double y, double secondsPerPixel) {
        return new AnnotationText(text, x + (CHAR_WIDTH * text.length() / 2.0 + 4) * secondsPerPixel, y, false);
    }

    private static void verticalLine(XYChart chart, String name, double x, double top, Color color, boolean dashed) {
        XYSeries line = chart.addSeries(name, new double[] {x, x}, new double[] {BOTTOM, top});
        line.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(color);
        line.setLineStyle(dashed ? SeriesLines.DASH_DASH : new BasicStroke(2f));
        line.setShowInLegend(false);
    }

    /** From the first attempt to the last, in seconds since the fault. */
    private static double[] xRange(FailoverRun run) {
        long first = run.faultNanos();
        long last = Math.max(run.endNanos(), run.healNanos());
        for (ProbeRun probe : run.probes()) {
            for (Attempt attempt : probe.attempts()) {
                first = Math.min(first, attempt.sentNanos());
                last = Math.max(last, attempt.doneNanos());
            }
        }
        return new double[] {Math.floor(seconds(first - run.faultNanos())), Math.ceil(seconds(last - run.faultNanos()))};
    }

    /** A member's color, the same in every panel: by its place among the members' names. */
    static Color color(String node, TreeSet<String> nodes) {
        int index = nodes.headSet(node).size();
        return NODES[index % NODES.length];
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
