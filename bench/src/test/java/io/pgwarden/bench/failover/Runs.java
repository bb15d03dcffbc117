package io.pgwarden.bench.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Made-up runs for the report and plot tests: times in ms, converted to nanoTime stamps. */
final class Runs {

    static final long MS = 1_000_000;
    static final Map<Integer, String> NODES = Map.of(5432, "pg0", 5433, "pg1", 5434, "pg2");
    static final StackSetup AGENTS = new StackSetup(Stack.AGENTS, true);
    static final StackSetup PATRONI_ASYNC = new StackSetup(Stack.PATRONI, false);
    static final StackSetup PATRONI_SYNC = new StackSetup(Stack.PATRONI, true);

    private Runs() {
    }

    static ProbeRun probe(String name, long outageMs, int failed, int lost, int splitBrain) {
        return probe(name, outageMs, failed, lost, splitBrain, 0);
    }

    static ProbeRun probe(String name, long outageMs, int failed, int lost, int splitBrain, int localOnly) {
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long at = (i * 100L - 2000) * MS;
            attempts.add(i == 25
                    ? new Attempt(i, at, at + 1000 * MS, -1, "08006 An I/O error occurred")
                    : new Attempt(i, at, at + 2 * MS, i < 25 ? 5432 : 5433, null));
        }
        return new ProbeRun(new ProbeResult(name, outageMs, 50 + failed, 50, failed, lost, splitBrain, localOnly), attempts,
                1500, 640_000);
    }

    /** A run on Patroni without synchronous mode, what the bench measured before it had stacks. */
    static FailoverRun run(Scenario scenario, int number, List<ProbeRun> probes, String... holders) {
        return run(scenario, PATRONI_ASYNC, number, probes, holders);
    }

    static FailoverRun run(Scenario scenario, StackSetup setup, int number, List<ProbeRun> probes, String... holders) {
        List<LeaderTimeline.Change> changes = new ArrayList<>();
        for (int i = 0; i < holders.length; i++) {
            changes.add(new LeaderTimeline.Change((i == 0 ? -5000 : 10_000 + 100L * i) * MS,
                    "none".equals(holders[i]) ? Optional.empty() : Optional.of(holders[i])));
        }
        return new FailoverRun(scenario, setup, number, probes, NODES, changes, 0, 16_000 * MS, 30_000 * MS, List.of(),
                Optional.empty());
    }
}
