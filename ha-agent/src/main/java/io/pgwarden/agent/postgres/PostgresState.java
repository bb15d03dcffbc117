package io.pgwarden.agent.postgres;

import java.time.Instant;
import java.util.Objects;

/**
 * The running server as the agent sees it over SQL.
 *
 * @param inRecovery       a standby (or a primary still in crash recovery)
 * @param timeline         primary: the timeline it writes on; standby: the timeline of the WAL it last
 *                         received, or of its replay position when nothing streams (see {@link ServerQueries})
 * @param walLsn           primary: {@code pg_current_wal_lsn()}; standby: the greater of received and replayed
 * @param receiveLsn       standby only: {@code pg_last_wal_receive_lsn()}, {@code null} if nothing streamed yet
 * @param replayLsn        standby only: {@code pg_last_wal_replay_lsn()}
 * @param replicationState standby only: {@code streaming} while the WAL receiver streams, else
 *                         {@code in archive recovery}; {@code null} on a primary
 * @param pendingRestart   a changed setting waits for a restart
 * @param replayed         standby only: the timeline replay is on and the WAL position on it, as the
 *                         server itself reports them ({@code IDENTIFY_SYSTEM}); null when not asked or
 *                         it could not be
 */
public record PostgresState(boolean inRecovery, long timeline, long walLsn, Long receiveLsn, Long replayLsn,
                            String replicationState, int serverVersionNum, Instant postmasterStart,
                            boolean pendingRestart, WalPoint replayed) {

    public PostgresState {
        Objects.requireNonNull(postmasterStart, "postmasterStart");
    }

    /** A WAL position on a timeline. */
    public record WalPoint(long timeline, long lsn) {
    }
}
