package io.pgwarden.agent.loop;

/**
 * What a member said of itself over its REST API during an election.
 *
 * @param reachable        it answered in time; an unreachable member is not compared
 * @param runningPrimary   its PostgreSQL runs writable
 * @param eligible         it could be promoted (running, not nofailover, priority above 0)
 * @param lsn              its WAL position (received/replayed on a standby)
 * @param timeline         its timeline, 0 when it did not say
 */
public record PeerReport(String name, boolean reachable, boolean runningPrimary, boolean eligible, long lsn,
                         int failoverPriority, long timeline) {

    public PeerReport(String name, boolean reachable, boolean runningPrimary, boolean eligible, long lsn,
                      int failoverPriority) {
        this(name, reachable, runningPrimary, eligible, lsn, failoverPriority, 0);
    }

    /** The same report, not to be compared: it may not be promoted (behind history, not synchronous). */
    public PeerReport ineligible() {
        return new PeerReport(name, reachable, runningPrimary, false, lsn, failoverPriority, timeline);
    }

    public static PeerReport unreachable(String name) {
        return new PeerReport(name, false, false, false, 0, 0);
    }
}
