package io.pgwarden.bench.failover;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one probe saw in one run.
 *
 * @param outageMillis longest gap between two acknowledged writes (or from the fault to the first ack; with
 *                     an end given, also from the last ack to the end)
 * @param failed       attempts that ended in an error
 * @param lost         acknowledged ids missing on the final leader after heal
 * @param splitBrain   writes acknowledged by a node that did not hold the leader key at any moment
 *                     between sending and acknowledging them
 * @param localOnly    acknowledgements with PostgreSQL's "committed locally" warning (see {@link Attempt#localOnly()});
 *                     lost and split-brain count the others only
 */
public record ProbeResult(String probe, long outageMillis, int attempts, int acknowledged, int failed, int lost,
                          int splitBrain, int localOnly) {

    /** A result without local-only acknowledgements. */
    public ProbeResult(String probe, long outageMillis, int attempts, int acknowledged, int failed, int lost,
                       int splitBrain) {
        this(probe, outageMillis, attempts, acknowledged, failed, lost, splitBrain, 0);
    }

    /**
     * @param nodeByPort   which node listens on which port
     * @param presentAfter ids found on the final leader after heal
     * @param faultNanos   when the fault was injected: an outage spanning it counts from there
     */
    public static ProbeResult analyze(String probe, List<Attempt> attempts, Map<Integer, String> nodeByPort,
                                      LeaderTimeline leaders, Set<Long> presentAfter, long faultNanos) {
        return analyze(probe, attempts, nodeByPort, leaders, presentAfter, faultNanos, Long.MIN_VALUE);
    }

    /**
     * As above, and a probe that stopped getting acknowledgements before {@code endNanos} (when the
     * probe was stopped) has that last gap counted too, so an outage that lasts to the end is not missed.
     */
    public static ProbeResult analyze(String probe, List<Attempt> attempts, Map<Integer, String> nodeByPort,
                                      LeaderTimeline leaders, Set<Long> presentAfter, long faultNanos,
                                      long endNanos) {
        List<Attempt> acks = attempts.stream().filter(Attempt::acknowledged).toList();
        long longestGap = 0;
        long previous = attempts.isEmpty() ? faultNanos : Math.min(attempts.get(0).sentNanos(), faultNanos);
        for (Attempt ack : acks) {
            longestGap = Math.max(longestGap, ack.doneNanos() - previous);
            previous = ack.doneNanos();
        }
        if (endNanos != Long.MIN_VALUE) {
            longestGap = Math.max(longestGap, endNanos - previous);
        }
        int failed = (int) attempts.stream().filter(Predicate.not(Attempt::acknowledged)).count();
        List<Attempt> confirmed = acks.stream().filter(Attempt::confirmed).toList();
        int lost = (int) confirmed.stream().filter(a -> !presentAfter.contains(a.id())).count();
        int splitBrain = (int) confirmed.stream()
                .filter(a -> !leaders.heldDuring(nodeByPort.getOrDefault(a.serverPort(), "?"), a.sentNanos(), a.doneNanos()))
                .count();
        return new ProbeResult(probe, longestGap / 1_000_000, attempts.size(), acks.size(), failed, lost, splitBrain,
                acks.size() - confirmed.size());
    }
}
