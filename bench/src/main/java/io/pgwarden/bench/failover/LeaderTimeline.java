package io.pgwarden.bench.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who held the leader key when, as observed by the bench (nanoTime stamps): what a write's
 * acknowledging node is checked against.
 */
public final class LeaderTimeline {

    private record Change(long atNanos, Optional<String> leader) {
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

    public synchronized List<Long> changeTimes() {
        return changes.stream().map(Change::atNanos).toList();
    }
}
