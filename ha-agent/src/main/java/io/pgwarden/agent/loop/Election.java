package io.pgwarden.agent.loop;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Whether this node is the one to take the vacant key: the most advanced WAL among the members that
 * answered wins; ties go to the higher failover_priority, then to the lower name. A running primary
 * anywhere means wait (it is about to demote, or is the rightful leader coming back).
 */
public final class Election {

    private Election() {
    }

    /**
     * Why this node steps back, or empty when it should race for the key.
     *
     * @param quorumMembers in quorum mode, the standbys of the {@code sync} key and the quorum; the
     *                      node must have heard from all but {@code quorum - 1} of them, or a commit
     *                      acknowledged only by the silent ones could be lost
     */
    public static Optional<String> whyNotMe(PeerReport me, Collection<PeerReport> others, Set<String> quorumMembers,
                                            int quorum) {
        for (PeerReport peer : others) {
            if (peer.reachable() && peer.runningPrimary()) {
                return Optional.of(peer.name() + " still runs as a primary");
            }
        }
        for (PeerReport peer : others) {
            if (peer.reachable() && peer.eligible() && better(peer, me)) {
                return Optional.of(peer.name() + " is ahead or preferred (" + peer.lsn() + " vs " + me.lsn() + ")");
            }
        }
        if (!quorumMembers.isEmpty()) {
            long silent = quorumMembers.stream()
                    .filter(m -> !m.equals(me.name()))
                    .filter(m -> others.stream().noneMatch(p -> p.name().equals(m) && p.reachable()))
                    .count();
            if (silent > quorum - 1L) {
                return Optional.of(silent + " synchronous standbys did not answer; a quorum commit may be on them only");
            }
        }
        return Optional.empty();
    }

    static boolean better(PeerReport a, PeerReport b) {
        if (a.lsn() != b.lsn()) {
            return a.lsn() > b.lsn();
        }
        if (a.failoverPriority() != b.failoverPriority()) {
            return a.failoverPriority() > b.failoverPriority();
        }
        return a.name().compareTo(b.name()) < 0;
    }
}
