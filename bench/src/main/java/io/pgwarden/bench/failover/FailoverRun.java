package io.pgwarden.bench.failover;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One run of one scenario on a fresh cluster. All times are {@link System#nanoTime()} stamps.
 *
 * @param setup      the stack it ran on
 * @param number     1-based
 * @param probes     in lane order: pgwarden, then the HAProxies on Patroni, then direct where the scenario has one
 * @param nodeByPort which member listens on which PostgreSQL port
 * @param leaders    the leader key's holders as the bench's own etcd watch saw them
 * @param faultNanos when the fault was injected
 * @param healNanos  when what the fault stopped was resumed (for switchover: when the bench stopped waiting)
 * @param endNanos   when the probes were stopped
 * @param notes      what did not go to plan without failing the run, e.g. a probe that did not recover
 * @param error      why the run failed, if it did; its figures are then empty and it is left out of the tables
 */
public record FailoverRun(Scenario scenario, StackSetup setup, int number, List<ProbeRun> probes,
                          Map<Integer, String> nodeByPort,
                          List<LeaderTimeline.Change> leaders, long faultNanos, long healNanos, long endNanos,
                          List<String> notes, Optional<String> error) {

    public FailoverRun {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(setup, "setup");
        probes = List.copyOf(probes);
        nodeByPort = Map.copyOf(nodeByPort);
        leaders = List.copyOf(leaders);
        notes = List.copyOf(notes);
        Objects.requireNonNull(error, "error");
    }

    /** A run that could not be completed. */
    public static FailoverRun failed(Scenario scenario, StackSetup setup, int number, List<String> notes,
                                     String error) {
        return new FailoverRun(scenario, setup, number, List.of(), Map.of(), List.of(), 0, 0, 0, notes, Optional.of(error));
    }

    public boolean succeeded() {
        return error.isEmpty();
    }

    public Optional<ProbeRun> probe(String name) {
        return probes.stream().filter(p -> p.probe().equals(name)).findFirst();
    }

    /** The leader key's holders in order, e.g. {@code pg0 -> none -> pg1}. */
    public String leaderPath() {
        return String.join(" -> ", leaders.stream().map(c -> c.leader().orElse("none")).toList());
    }

    /**
     * Whether the leader before the fault got the key back after another member had held it
     * (old → new → old): what Patroni 3.0.2 does when a frozen leader's agent resumes.
     */
    public boolean oldLeaderRetook() {
        List<String> holders = leaders.stream().map(c -> c.leader().orElse(null)).filter(Objects::nonNull).toList();
        if (holders.isEmpty()) {
            return false;
        }
        String first = holders.get(0);
        boolean someoneElse = false;
        for (String holder : holders) {
            if (!holder.equals(first)) {
                someoneElse = true;
            } else if (someoneElse) {
                return true;
            }
        }
        return false;
    }
}
