package io.pgwarden.agent.loop;

import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.PatroniCluster;

/**
 * Maintenance mode ({@code "pause": true} in {@code config}), as Patroni 3.0.2 runs it: the agent keeps
 * publishing its member key and the leader keeps renewing its key, but nothing is started, stopped,
 * promoted, demoted, rewound or cloned on its own. What the loop would otherwise decide is narrowed:
 * <ul>
 * <li>no initialize or clone into an empty data directory;</li>
 * <li>a stopped PostgreSQL is not started, unless this agent stopped it itself (a demotion or a
 *     switchover it carried out): that one is started as a standby, as Patroni's demote does;</li>
 * <li>the key holder whose PostgreSQL is down, or runs as a standby, gives the key up instead of
 *     restarting or promoting it (Patroni deletes the key then) — unless a manual failover names it;</li>
 * <li>a primary that lost the key, or sees another holder, keeps running;</li>
 * <li>no rewind, no detaching from a leader whose lease ends, no election.</li>
 * </ul>
 * Kept in pause: following a new key holder (after a manual switchover Patroni re-points replicas too),
 * taking the key back as the running primary, manual switchover and failover, and — unlike Patroni —
 * the fence: a primary past its renew deadline still stops, because its key may be about to expire.
 */
final class PauseRules {

    private PauseRules() {
    }

    /** {@code action}, decided as if not paused, narrowed to what pause allows. */
    static Action restrict(Action action, Observation o, PatroniCluster cluster) {
        LocalState local = o.local();
        boolean holdsKey = cluster.leader().map(o.me()::equals).orElse(false);
        if (action instanceof Action.Initialize || action instanceof Action.Clone) {
            return new Action.Wait("paused: no data directory; not initializing or cloning");
        }
        if (action instanceof Action.StartStandby && !local.stoppedByAgent()) {
            return holdsKey ? new Action.ReleaseKey("paused: PostgreSQL is not running and is not started in pause")
                    : new Action.Wait("paused: PostgreSQL is not running; not starting it");
        }
        if (action instanceof Action.StartPrimary) {
            return new Action.ReleaseKey("paused: PostgreSQL is not running and is not restarted in pause");
        }
        if (action instanceof Action.Promote && !namedByFailover(cluster, o.me())) {
            return new Action.ReleaseKey("paused: PostgreSQL runs as a standby and is not promoted in pause");
        }
        if (action instanceof Action.Demote d && !o.pastRenewDeadline()) {
            return new Action.Wait("paused: not demoting (" + d.reason() + ")");
        }
        if (action instanceof Action.Rewind r) {
            return new Action.Wait("paused: not rewinding from " + r.leader());
        }
        if (action instanceof Action.Detach d) {
            return new Action.Wait("paused: still streaming from " + d.leader() + " (its lease is ending)");
        }
        if (action instanceof Action.Elect) {
            return new Action.Wait("paused: no automatic failover");
        }
        return action;
    }

    /** A manual failover or switchover names this node as the candidate: its promotion goes on. */
    private static boolean namedByFailover(PatroniCluster cluster, String me) {
        return cluster.failover().map(Failover::candidate).map(me::equals).orElse(false);
    }
}
