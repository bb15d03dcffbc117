package io.pgwarden.agent.loop;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Chooses the synchronous standbys. {@code on}: one, {@code FIRST 1 (name)}; the key names it only once
 * pg_stat_replication shows it synchronous. {@code quorum}: every eligible streaming standby,
 * {@code ANY 1 (...)}; a standby joins the key before it may acknowledge and leaves it only after it no
 * longer may, so an election that hears from all but quorum-1 of the key finds every commit.
 * {@code strict}: with nobody left, commits wait ({@code *}) instead of going asynchronous.
 */
public final class SyncPlanner {

    /**
     * A standby as the leader sees it.
     *
     * @param streaming  connected and streaming (pg_stat_replication state {@code streaming})
     * @param synchronous pg_stat_replication's sync_state is {@code sync} or {@code quorum}
     * @param eligible   a member of the cluster without the nosync tag
     */
    public record Standby(String name, boolean streaming, boolean synchronous, boolean eligible) {
    }

    private SyncPlanner() {
    }

    public static SyncPlan plan(SyncMode mode, boolean strict, Set<String> keyNow, Collection<Standby> standbys) {
        if (mode == SyncMode.OFF) {
            return new SyncPlan(keyNow.isEmpty() ? null : Set.of(), "", keyNow.isEmpty() ? null : Set.of(), null);
        }
        Set<String> confirmed = standbys.stream().filter(s -> s.synchronous() && s.streaming())
                .map(Standby::name).collect(Collectors.toCollection(TreeSet::new));
        List<Standby> usable = standbys.stream().filter(s -> s.eligible() && s.streaming())
                .sorted(java.util.Comparator.comparing(Standby::name)).toList();
        if (mode == SyncMode.ON) {
            Set<String> shrunk = intersect(keyNow, confirmed);
            // Keep whom the key names; else one that is synchronous already (no needless switch); else the first.
            String picked = keyNow.stream().filter(n -> usable.stream().anyMatch(s -> s.name().equals(n)))
                    .findFirst()
                    .or(() -> usable.stream().filter(Standby::synchronous).map(Standby::name).findFirst())
                    .orElse(usable.isEmpty() ? null : usable.get(0).name());
            String names = picked == null ? (strict ? "*" : "") : "FIRST 1 (" + quote(picked) + ")";
            Set<String> after = picked == null ? Set.of() : intersect(Set.of(picked), confirmed);
            return new SyncPlan(shrunk.equals(keyNow) ? null : shrunk, names, after.equals(shrunk) ? null : after, null);
        }
        Set<String> members = usable.stream().map(Standby::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> before = new TreeSet<>(keyNow);
        before.addAll(members);
        String names = members.isEmpty() ? (strict ? "*" : "")
                : "ANY 1 (" + members.stream().map(SyncPlanner::quote).collect(Collectors.joining(",")) + ")";
        return new SyncPlan(before.equals(keyNow) ? null : before, names, members.equals(before) ? null : members, 1);
    }

    private static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> result = new LinkedHashSet<>(a);
        result.retainAll(b);
        return new TreeSet<>(result);
    }

    static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
