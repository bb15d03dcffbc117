package io.pgwarden.bench.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who held the leader key when, as observed by the bench (nanoTime stamps): what a write's
 * acknowledging node is checked against.
 */
public final class LeaderTimeline {

    /** From {@code atNanos} on, {@code leader} held the key (empty: nobody did). */
    public record Change(long atNanos, Optional<String> leader) {
    }

    private final List<Change> changes = new ArrayList<>();

    public synchronized void record(long atNanos, Optional<String> leader) {
        if (changes.isEmpty() || !changes.get(changes.size() - 1).leader().equals(leader)) {
            changes.add(new Change(atNanos, leader));
        }
    }

    /** Whether {@code node} held the key at any moment in [fromNanos, toNanos]. */
    public synchronized boolean heldDuring(String node, long fromNanos, long toNanos) {
        for (int i = 0; i < changes.size(); i++) {
            Change change = changes.get(i);
            long end = i + 1 < changes.size() ? changes.get(i + 1).atNanos() : Long.MAX_VALUE;
            boolean overlaps = change.atNanos() <= toNanos && end >= fromNanos;
            if (overlaps && change.leader().map(node::equals).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /** The sequence of holders, e.g. "pg0 -> none -> pg1". */
    public synchronized String describe() {
        return String.join(" -> ", changes.stream().map(c -> c.leader().orElse("none")).toList());
    }

    /** Every change in order, the first being the holder when recording began. */
    public synchronized List<Change> changes() {
        return List.copyOf(changes);
    }

    public synchronized List<Long> changeTimes() {
        return changes.stream().map(Change::atNanos).toList();
    }

    /**
     * How long after {@code reference} saw each change (after its first holder) {@code observed} saw the
     * same holder, in ms; a change {@code observed} never saw, or saw more than {@code window} earlier,
     * is left out. What tells how far behind the bench's own watch the router applied a change.
     */
    public static List<Long> lagMillis(List<Change> reference, List<Change> observed, long windowNanos) {
        List<Long> lags = new ArrayList<>();
        int from = 1;
        for (int i = 1; i < reference.size(); i++) {
            Change change = reference.get(i);
            for (int j = from; j < observed.size(); j++) {
                Change seen = observed.get(j);
                if (seen.leader().equals(change.leader()) && seen.atNanos() - change.atNanos() >= -windowNanos) {
                    lags.add((seen.atNanos() - change.atNanos()) / 1_000_000);
                    from = j + 1;
                    break;
                }
            }
        }
        return lags;
    }
}
