package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static io.pgwarden.bench.failover.Runs.MS;
import static io.pgwarden.bench.failover.Runs.probe;
import static io.pgwarden.bench.failover.Runs.run;
import static org.assertj.core.api.Assertions.assertThat;

class FailoverPlotTest {

    private static final List<FailoverRun> RUNS = List.of(
            run(Scenario.NODE_CRASH, 1, List.of(probe("pgwarden", 1, 1, 0, 0), probe("haproxy", 1, 1, 0, 0)), "pg0", "none", "pg1"),
            FailoverRun.failed(Scenario.NODE_CRASH, Runs.PATRONI_ASYNC, 2, List.of(), "boom"),
            run(Scenario.NODE_CRASH, 3, List.of(probe("pgwarden", 1, 1, 0, 0), probe("haproxy", 1, 1, 0, 0)), "pg0", "none", "pg1"));

    @Test
    void writesOnePngPerScenarioWithAPanelPerCompletedRun(@TempDir Path dir) throws IOException {
        Optional<Path> file = FailoverPlot.write(dir, Scenario.NODE_CRASH, RUNS);

        assertThat(file).contains(dir.resolve("bench-failover-node-crash.png"));
        BufferedImage image = ImageIO.read(file.get().toFile());
        assertThat(image.getWidth()).isGreaterThan(1000);
        assertThat(image.getHeight()).isGreaterThan(2 * 250);
        assertThat(FailoverPlot.write(dir, Scenario.FREEZE, List.of(FailoverRun.failed(Scenario.FREEZE, Runs.PATRONI_ASYNC, 1, List.of(), "x"))))
                .isEmpty();
    }

    @Test
    void acksAreColoredByNodeFailuresAreOneSeriesAndLeaderLinesStayOutOfTheLegend() {
        List<XYChart> panels = FailoverPlot.panels(Scenario.NODE_CRASH, RUNS);

        assertThat(panels).hasSize(2);
        XYChart first = panels.get(0);
        assertThat(first.getTitle()).isEqualTo("node-crash, patroni async, run 1: leader pg0 -> none -> pg1");
        assertThat(first.getSeriesMap().keySet()).contains("ack by pg0", "ack by pg1", "failed", "fault", "heal");
        assertThat(first.getSeriesMap().get("ack by pg0").getXData()).hasSize(2 * 25);
        assertThat(first.getSeriesMap().get("failed").getXData()).hasSize(2);
        assertThat(first.getSeriesMap().get("leader 1").isShowInLegend()).isFalse();
    }

    @Test
    void leaderChangesCloseTogetherShareALabel() {
        List<LeaderTimeline.Change> changes = List.of(
                new LeaderTimeline.Change(-5000 * MS, Optional.of("pg0")),
                new LeaderTimeline.Change(10_000 * MS, Optional.empty()),
                new LeaderTimeline.Change(10_300 * MS, Optional.of("pg1")),
                new LeaderTimeline.Change(20_000 * MS, Optional.of("pg0")));

        assertThat(FailoverPlot.leaderLabels(changes, 0)).containsExactly(
                new FailoverPlot.LeaderLabel(10.0, "none → pg1"), new FailoverPlot.LeaderLabel(20.0, "pg0"));
    }
}
