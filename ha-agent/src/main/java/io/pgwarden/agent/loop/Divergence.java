package io.pgwarden.agent.loop;

import io.pgwarden.discovery.patroni.PatroniCluster;
import java.util.List;
import java.util.Optional;

/**
 * Whether a node's WAL went past the point where the leader's timeline forked off its own: then it
 * cannot stream from the leader and must be rewound first. A standby that never went past the fork
 * (it simply had not switched timeline yet) just follows.
 */
public final class Divergence {

    private Divergence() {
    }

    /**
     * @param leaderTimeline the leader's timeline (0 when unknown: then nothing is concluded)
     */
    public static boolean diverged(LocalState local, long leaderTimeline, PatroniCluster cluster) {
        if (local.running() && local.inRecovery() && local.replayTimeline() > 0) {
            // A standby's own word on where its replay is: its timeline may be newer only in name (the
            // history file of a leader it was told to follow just before that leader's promotion).
            return leaderTimeline > local.replayTimeline() && pastFork(local.replayTimeline(), local.replayLsn(), cluster)
                    .orElse(false);
        }
        if (local.timeline() <= 0 || leaderTimeline <= local.timeline()) {
            return false;
        }
        if (!local.running() && !local.inRecovery() && local.uncleanStop()) {
            // A primary that crashed or was fenced: where its WAL ends is unknown until recovery has run,
            // so pg_rewind decides (it finishes crash recovery itself, and does nothing when not needed).
            return true;
        }
        // Unknown fork (history key lost): a former primary is rewound (a no-op when not needed);
        // a standby is let try to stream.
        return pastFork(local.timeline(), local.lsn(), cluster).orElse(!local.inRecovery());
    }

    /** Whether {@code lsn} on {@code timeline} lies past where the next timeline forked off it; empty: unknown. */
    private static Optional<Boolean> pastFork(long timeline, long lsn, PatroniCluster cluster) {
        return cluster.history().orElse(List.of()).stream()
                .filter(h -> h.timeline() == timeline)
                .findFirst()
                .map(fork -> lsn > fork.lsn());
    }
}
