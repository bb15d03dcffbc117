package io.pgwarden.agent.loop;

/**
 * What the agent knows of its own PostgreSQL at one loop.
 *
 * @param hasData     a data directory exists
 * @param running     the postmaster is alive
 * @param answering   it answered a query just now (false while starting or in crash recovery)
 * @param inRecovery  it runs (or, stopped, last ran) as a standby
 * @param timeline    its timeline (from the server, or from pg_control when stopped); 0 unknown
 * @param lsn         its WAL position: written on a primary, received/replayed on a standby, the last
 *                    checkpoint when stopped
 * @param following   {@code host:port} its primary_conninfo points at; null when it follows nobody
 * @param uncleanStop stopped without a clean shutdown (crashed, or stopped immediately by the fence):
 *                    its WAL may go past {@code lsn}, which is only its last checkpoint
 * @param stoppedByAgent stopped by this agent (a demotion, a switchover, the fence) since it last started it:
 *                    in pause only such a server is started again (as a standby); a crashed one, or one
 *                    stopped by someone else, stays down as Patroni leaves it
 * @param replayTimeline a running standby: the timeline its replay is on, as the server reports it; 0 unknown.
 *                    {@code timeline} may already name a newer one (a history file fetched, WAL received)
 * @param replayLsn   with {@code replayTimeline}: its WAL position on that timeline
 */
public record LocalState(boolean hasData, boolean running, boolean answering, boolean inRecovery, long timeline,
                         long lsn, String following, boolean uncleanStop, boolean stoppedByAgent,
                         long replayTimeline, long replayLsn) {

    public LocalState(boolean hasData, boolean running, boolean answering, boolean inRecovery, long timeline, long lsn,
                      String following, boolean uncleanStop, boolean stoppedByAgent) {
        this(hasData, running, answering, inRecovery, timeline, lsn, following, uncleanStop, stoppedByAgent, 0, 0);
    }

    public LocalState(boolean hasData, boolean running, boolean answering, boolean inRecovery, long timeline, long lsn,
                      String following, boolean uncleanStop) {
        this(hasData, running, answering, inRecovery, timeline, lsn, following, uncleanStop, false);
    }

    public LocalState(boolean hasData, boolean running, boolean answering, boolean inRecovery, long timeline, long lsn,
                      String following) {
        this(hasData, running, answering, inRecovery, timeline, lsn, following, false);
    }

    public static LocalState noData() {
        return new LocalState(false, false, false, false, 0, 0, null);
    }

    /** Running and writable: a primary. */
    public boolean runningPrimary() {
        return running && !inRecovery;
    }
}
