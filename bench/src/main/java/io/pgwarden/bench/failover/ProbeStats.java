package io.pgwarden.bench.failover;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One probe's figures over the completed runs of one scenario: the outage as min/median/max, the
 * counts as their worst run (a single lost or split-brain write in any run matters).
 *
 * @param runs         how many runs had this probe
 * @param maxLocalOnly the most "committed locally" acknowledgements in a run (see {@link Attempt#localOnly()})
 */
public record ProbeStats(String probe, int runs, Spread outageMillis, int maxFailed, int maxLost, int maxSplitBrain,
                         int maxLocalOnly) {

    public ProbeStats(String probe, int runs, Spread outageMillis, int maxFailed, int maxLost, int maxSplitBrain) {
        this(probe, runs, outageMillis, maxFailed, maxLost, maxSplitBrain, 0);
    }

    /** Per probe, in the order the probes first appear in {@code runs}; failed runs are left out. */
    public static Map<String, ProbeStats> of(List<FailoverRun> runs) {
        Map<String, List<ProbeResult>> byProbe = new LinkedHashMap<>();
        for (FailoverRun run : runs) {
            if (run.succeeded()) {
                run.probes().forEach(p -> byProbe.computeIfAbsent(p.probe(), k -> new ArrayList<>()).add(p.result()));
            }
        }
        Map<String, ProbeStats> stats = new LinkedHashMap<>();
        byProbe.forEach((probe, results) -> stats.put(probe, new ProbeStats(probe, results.size(),
                Spread.of(results.stream().map(ProbeResult::outageMillis).toList()),
                results.stream().mapToInt(ProbeResult::failed).max().orElse(0),
                results.stream().mapToInt(ProbeResult::lost).max().orElse(0),
                results.stream().mapToInt(ProbeResult::splitBrain).max().orElse(0),
                results.stream().mapToInt(ProbeResult::localOnly).max().orElse(0))));
        return stats;
    }
}
