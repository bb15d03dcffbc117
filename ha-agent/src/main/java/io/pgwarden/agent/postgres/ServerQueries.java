package io.pgwarden.agent.postgres;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.discovery.patroni.Lsn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the agent asks of and tells its running server over SQL, as the superuser. */
final class ServerQueries {

    private static final Logger LOG = LoggerFactory.getLogger(ServerQueries.class);

    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);
    /** A switchover's write pause counts every millisecond: pg_ctl's own waits poll every 100 ms. */
    private static final long POLL_MILLIS = 3;
    /** A checkpoint writes every dirty buffer; on a busy server that takes a while. */
    static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(10);

    /*
     * One statement, so that role and positions come from one moment. On a primary the timeline is
     * the one it writes on, from the name of its current WAL file (pg_control_checkpoint() lags
     * behind a promotion until the next checkpoint). On a standby it is the timeline of the WAL the
     * receiver last flushed; with no receiver (restore_command, or the primary unreachable) the
     * greater of the last restartpoint's and the minimum recovery point's timelines, which is where
     * replay has got to as far as pg_control knows; and never less than the newest timeline history
     * file in pg_wal: a standby that follows with recovery_target_timeline=latest is on that timeline
     * (or will be, once it replays to the fork), even while it streams from nobody — pg_control's
     * timelines lag until the next restartpoint.
     */
    private static final String STATE = """
            SELECT pg_is_in_recovery() AS in_recovery,
                   current_setting('server_version_num')::int AS version_num,
                   pg_postmaster_start_time() AS postmaster_start,
                   (SELECT coalesce(bool_or(pending_restart), false) FROM pg_settings) AS pending_restart,
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
                   CASE WHEN pg_is_in_recovery() THEN NULL
                        ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END AS current_tli_hex,
                   pg_last_wal_receive_lsn()::text AS receive_lsn,
                   pg_last_wal_replay_lsn()::text AS replay_lsn,
                   r.status AS receiver_status,
                   r.received_tli AS received_tli,
                   (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli,
                   (SELECT min_recovery_end_timeline FROM pg_control_recovery()) AS min_recovery_tli,
                   (SELECT max(('x' || substr(name, 1, 8))::bit(32)::bigint) FROM pg_ls_waldir()
                     WHERE name ~ '^[0-9A-F]{8}[.]history$') AS history_tli
              FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true
            """;

    private static final String REPLICATION = """
            SELECT application_name, usename, host(client_addr) AS client_addr, state, sync_state, sync_priority,
                   flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn
              FROM pg_stat_replication
             ORDER BY application_name, pid
            """;

    /** What pg_rewind reads on its source, which a non-superuser may not call by default. */
    private static final List<String> REWIND_FUNCTIONS = List.of(
            "pg_catalog.pg_ls_dir(text, boolean, boolean)",
            "pg_catalog.pg_stat_file(text, boolean)",
            "pg_catalog.pg_read_binary_file(text)",
            "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)");

    private final ServerConnections connections;
    private volatile boolean replicationRefusalLogged;

    ServerQueries(ServerConnections connections) {
        this.connections = connections;
    }

    /**
     * The server's state, or empty when it cannot be reached or answer. A standby's also says where
     * its replay is, from the server itself.
     */
    Optional<PostgresState> state() {
        PostgresState state;
        try (Connection c = connections.open(QUERY_TIMEOUT);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(STATE)) {
            rs.next();
            state = toState(rs);
        } catch (SQLException e) {
            LOG.debug("PostgreSQL at {} did not answer: {}", connections.url(), e.getMessage());
            return Optional.empty();
        }
        if (!state.inRecovery()) {
            return Optional.of(state);
        }
        return Optional.of(new PostgresState(true, state.timeline(), state.walLsn(), state.receiveLsn(),
                state.replayLsn(), state.replicationState(), state.serverVersionNum(), state.postmasterStart(),
                state.pendingRestart(), replayed().orElse(null)));
    }

    /**
     * {@code IDENTIFY_SYSTEM} over a replication connection to the standby itself, as Patroni asks a
     * replica for its timeline: the timeline replay is on, with the replayed position (or the flushed
     * one when the receiver is on that same timeline). SQL has no replay timeline: the receiver's and
     * pg_control's lag or vanish, and a history file only says a timeline exists, not that this
     * standby's WAL is on it.
     */
    private Optional<PostgresState.WalPoint> replayed() {
        try (Connection c = connections.openReplication(QUERY_TIMEOUT);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return Optional.of(new PostgresState.WalPoint(rs.getLong("timeline"), Lsn.parse(rs.getString("xlogpos"))));
        } catch (SQLException | IllegalArgumentException e) {
            if (!replicationRefusalLogged) {
                replicationRefusalLogged = true;
                LOG.warn("Cannot ask the standby for its replay timeline over a replication connection ({}): "
                        + "a divergence from a new leader can be missed (allow replication connections from the agent in pg_hba)", e.getMessage());
            }
            return Optional.empty();
        }
    }

    private static PostgresState toState(ResultSet rs) throws SQLException {
        boolean inRecovery = rs.getBoolean("in_recovery");
        int versionNum = rs.getInt("version_num");
        Timestamp start = rs.getTimestamp("postmaster_start");
        boolean pendingRestart = rs.getBoolean("pending_restart");
        String currentLsn = rs.getString("current_lsn");
        if (!inRecovery && currentLsn != null) {
            long timeline = Long.parseLong(rs.getString("current_tli_hex"), 16);
            return new PostgresState(false, timeline, Lsn.parse(currentLsn), null, null, null, versionNum,
                    start.toInstant(), pendingRestart, null);
        }
        Long receive = lsnOrNull(rs.getString("receive_lsn"));
        Long replay = lsnOrNull(rs.getString("replay_lsn"));
        String receiverStatus = rs.getString("receiver_status");
        long receivedTli = rs.getLong("received_tli"); // 0 when there is no receiver
        long timeline = Math.max(receivedTli > 0 ? receivedTli
                : Math.max(rs.getLong("checkpoint_tli"), rs.getLong("min_recovery_tli")), rs.getLong("history_tli"));
        long walLsn = Math.max(receive == null ? 0 : receive, replay == null ? 0 : replay);
        String replicationState = "streaming".equals(receiverStatus) ? "streaming" : "in archive recovery";
        return new PostgresState(true, timeline, walLsn, receive, replay, replicationState, versionNum,
                start.toInstant(), pendingRestart, null);
    }

    List<ReplicationRow> replication() {
        try (Connection c = connections.open(QUERY_TIMEOUT);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(REPLICATION)) {
            List<ReplicationRow> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(new ReplicationRow(rs.getString("application_name"), rs.getString("usename"),
                        rs.getString("client_addr"), rs.getString("state"), rs.getString("sync_state"),
                        rs.getInt("sync_priority"), lsnOrNull(rs.getString("flush_lsn")),
                        lsnOrNull(rs.getString("replay_lsn"))));
            }
            return rows;
        } catch (SQLException e) {
            throw failed("reading pg_stat_replication", e);
        }
    }

    Set<String> physicalSlots() {
        try (Connection c = connections.open(QUERY_TIMEOUT);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical'")) {
            Set<String> slots = new TreeSet<>();
            while (rs.next()) {
                slots.add(rs.getString(1));
            }
            return slots;
        } catch (SQLException e) {
            throw failed("listing replication slots", e);
        }
    }

    /** Creates a physical slot that keeps WAL from now on; one that exists already is fine. */
    void createPhysicalSlot(String name) {
        try (Connection c = connections.open(QUERY_TIMEOUT);
             PreparedStatement s = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            s.setString(1, name);
            s.execute();
            LOG.info("Created replication slot {}", name);
        } catch (SQLException e) {
            if (!"42710".equals(e.getSQLState())) { // duplicate_object
                throw failed("creating replication slot " + name, e);
            }
        }
    }

    /** Drops a slot; one that does not exist is fine, one in use is an error. */
    void dropSlot(String name) {
        try (Connection c = connections.open(QUERY_TIMEOUT);
             PreparedStatement s = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            s.setString(1, name);
            s.execute();
            LOG.info("Dropped replication slot {}", name);
        } catch (SQLException e) {
            if (!"42704".equals(e.getSQLState())) { // undefined_object
                throw failed("dropping replication slot " + name, e);
            }
        }
    }

    void setSynchronousStandbyNames(String value) {
        try (Connection c = connections.open(QUERY_TIMEOUT); Statement s = c.createStatement()) {
            s.execute(formatted(c, "SELECT format('ALTER SYSTEM SET synchronous_standby_names = %L', ?)", value));
            s.execute("SELECT pg_reload_conf()");
            LOG.info("synchronous_standby_names set to '{}'", value);
        } catch (SQLException e) {
            throw failed("setting synchronous_standby_names to '" + value + "'", e);
        }
    }

    void reload() {
        try (Connection c = connections.open(QUERY_TIMEOUT); Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw failed("reloading the configuration", e);
        }
    }

    void checkpoint() {
        try (Connection c = connections.open(CHECKPOINT_TIMEOUT); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw failed("CHECKPOINT", e);
        }
    }

    /** {@code pg_switch_wal()} then {@code CHECKPOINT}, on one connection. */
    void switchWalAndCheckpoint() {
        try (Connection c = connections.open(CHECKPOINT_TIMEOUT); Statement s = c.createStatement()) {
            s.execute("SELECT pg_switch_wal()");
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw failed("pg_switch_wal() and CHECKPOINT", e);
        }
    }

    /** A connection the caller keeps across several quick steps (a switchover's candidate); null if none can be had. */
    Connection openHeld() {
        try {
            return connections.open(QUERY_TIMEOUT);
        } catch (SQLException e) {
            LOG.debug("Cannot open a connection to PostgreSQL at {}: {}", connections.url(), e.getMessage());
            return null;
        }
    }

    /**
     * Polls a connection every few milliseconds until {@code done} is true of the single value {@code sql}
     * returns, at most {@code timeout}; {@code held} when not null, else a new one. False on timeout or
     * when the server stops answering.
     */
    boolean pollUntil(Connection held, String sql, java.util.function.Predicate<String> done, Duration timeout) {
        return onConnection(held, "polling", c -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            try (Statement s = c.createStatement()) {
                while (true) {
                    try (ResultSet rs = s.executeQuery(sql)) {
                        rs.next();
                        if (done.test(rs.getString(1))) {
                            return true;
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        return false;
                    }
                    Thread.sleep(POLL_MILLIS);
                }
            }
        });
    }

    /**
     * {@code pg_promote(wait => false)}, then polls until the server accepts writes: no pg_ctl process to
     * start, and no 100 ms polling. False on timeout or a lost connection.
     */
    boolean promote(Connection held, Duration timeout) {
        return onConnection(held, "promoting", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_promote(false)");
            }
            return pollUntil(c, "SELECT pg_is_in_recovery()::text", "false"::equals, timeout);
        });
    }

    private interface ConnectionWork {
        boolean run(Connection c) throws SQLException, InterruptedException;
    }

    private boolean onConnection(Connection held, String what, ConnectionWork work) {
        try {
            if (held != null) {
                return work.run(held);
            }
            try (Connection c = connections.open(QUERY_TIMEOUT)) {
                return work.run(c);
            }
        } catch (SQLException e) {
            LOG.warn("{} PostgreSQL at {} failed: {}", what, connections.url(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sets the superuser's password and makes the replication and rewind users exist with theirs;
     * running it again changes nothing but the passwords.
     */
    void createUsers(AgentConfig.User superuser, AgentConfig.User replication, AgentConfig.User rewind) {
        // One entry per distinct role: the rewind user may be the superuser or the replication user.
        Map<String, RoleSpec> roles = new LinkedHashMap<>();
        roles.put(replication.username(), new RoleSpec(replication.password(), true, false));
        if (!rewind.username().equals(superuser.username())) {
            roles.merge(rewind.username(), new RoleSpec(rewind.password(), false, true),
                    (a, b) -> new RoleSpec(a.password(), true, true));
        }
        try (Connection c = connections.open(QUERY_TIMEOUT); Statement s = c.createStatement()) {
            // Passwords are in these statements: keep them out of the server log.
            s.execute("SET log_statement = 'none'");
            s.execute("SET log_min_duration_statement = -1");
            if (!superuser.password().isEmpty()) {
                s.execute(formatted(c, "SELECT format('ALTER ROLE %I WITH PASSWORD %L', ?, ?)",
                        superuser.username(), superuser.password()));
            }
            for (Map.Entry<String, RoleSpec> role : roles.entrySet()) {
                ensureRole(c, s, role.getKey(), role.getValue());
            }
            LOG.info("Users in place: superuser {}, replication {}, rewind {}", superuser.username(),
                    replication.username(), rewind.username());
        } catch (SQLException e) {
            throw failed("creating the agent's users", e);
        }
    }

    private record RoleSpec(String password, boolean replication, boolean rewind) {
    }

    private static void ensureRole(Connection c, Statement s, String name, RoleSpec spec) throws SQLException {
        boolean exists;
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                exists = rs.next();
            }
        }
        String options = "LOGIN" + (spec.replication() ? " REPLICATION" : "")
                + (spec.password().isEmpty() ? "" : " PASSWORD %L");
        String template = (exists ? "ALTER" : "CREATE") + " ROLE %I WITH " + options;
        s.execute(spec.password().isEmpty()
                ? formatted(c, "SELECT format('" + template + "', ?)", name)
                : formatted(c, "SELECT format('" + template + "', ?, ?)", name, spec.password()));
        if (spec.rewind()) {
            for (String function : REWIND_FUNCTIONS) {
                s.execute(formatted(c, "SELECT format('GRANT EXECUTE ON FUNCTION " + function + " TO %I', ?)", name));
            }
            // Checkpointing the source before a rewind (see checkpointRewindSource); the role exists from 15 on.
            if (c.getMetaData().getDatabaseMajorVersion() >= 15) {
                s.execute(formatted(c, "SELECT format('GRANT pg_checkpoint TO %I', ?)", name));
            }
        }
    }

    /** Utility statements take no parameters, so the server's format() quotes names (%I) and literals (%L). */
    private static String formatted(Connection c, String formatQuery, String... args) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(formatQuery)) {
            for (int i = 0; i < args.length; i++) {
                p.setString(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static Long lsnOrNull(String text) {
        return text == null ? null : Lsn.parse(text);
    }

    /**
     * Makes a rewind source's pg_control name its current timeline: pg_rewind reads the source's
     * timeline there, and a promotion only requests its checkpoint (spread out, not awaited). Rewound
     * onto a just-promoted source before it, a node gets the old timeline and a minimum recovery point
     * no timeline contains, and cannot start. Patroni checkpoints the leader first too.
     *
     * @throws PostgresException if the source is still in recovery or the checkpoint cannot be run
     */
    static void checkpointRewindSource(ServerConnections source) {
        try (Connection c = source.open(CHECKPOINT_TIMEOUT); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new PostgresException("the rewind source " + source.url() + " is still in recovery");
                }
            }
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw new PostgresException("CHECKPOINT on the rewind source " + source.url() + " failed: " + e.getMessage()
                    + " (the rewind user needs superuser or, from PostgreSQL 15, pg_checkpoint)", e);
        }
    }

    private PostgresException failed(String what, SQLException e) {
        return new PostgresException(what + " on " + connections.url() + " failed: " + e.getMessage()
                + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"), e);
    }
}
