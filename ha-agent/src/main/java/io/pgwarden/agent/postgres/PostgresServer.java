package io.pgwarden.agent.postgres;

import io.pgwarden.agent.config.AgentConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's local PostgreSQL server: its data directory, the configuration the agent owns, its
 * lifecycle and its state. Every binary runs as {@code postgresql.os_user} when the agent is root.
 *
 * <p>Files the agent owns: in the data directory {@value DataDirectory#AGENT_CONF} (included once
 * from postgresql.conf, so ALTER SYSTEM still wins), {@value DataDirectory#RECOVERY_CONF} (a
 * standby's primary_conninfo, slot and target timeline, included from the former), pg_hba.conf and
 * standby.signal; beside the data directory {@code <member>.log} (the server log, {@code pg_ctl -l})
 * and {@code <member>.pgpass} (the replication password for the walreceiver, mode 0600). Beside
 * rather than inside: pg_basebackup and pg_rewind copy the data directory from another node.
 *
 * <p>Methods that change the server or its files are serialized; reads (state, pid, replication)
 * are not, so a REST request is never stuck behind a long pg_basebackup.
 */
public final class PostgresServer {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    private static final Duration CONTROLDATA_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);
    /** Default for pg_basebackup and pg_rewind, which copy data and may take long on a big cluster. */
    public static final Duration COPY_TIMEOUT = Duration.ofHours(2);
    /** pg_control_version of PostgreSQL 13 to 16, whose layout {@link #latestCheckpointLsn()} reads. */
    /** Added to pg_ctl's own -t, so that pg_ctl reports a timeout before the agent kills it. */
    private static final Duration PG_CTL_GRACE = Duration.ofSeconds(15);
    private static final int LOG_TAIL_LINES = 30;

    /** Settings a clone may bring from its source's ALTER SYSTEM that are this node's to set. */
    private static final Set<String> NOT_INHERITED = Set.of("primary_conninfo", "primary_slot_name",
            "synchronous_standby_names");

    private final AgentConfig.Postgresql config;
    private final String memberName;
    private final DataDirectory dataDir;
    private final PgTools tools;
    private final PostmasterPidFile pidFile;
    private final ControlFile controlFile;
    private final ServerQueries queries;
    private final Object lock = new Object();
    private volatile Map<String, Object> clusterParameters = Map.of();
    private volatile boolean stoppedByAgent;
    private volatile Map<String, Object> nodeParameters; // postgresql.parameters; replaced on a reload of the file

    public PostgresServer(AgentConfig.Postgresql config, String memberName) {
        this(config, memberName, OsUser.forAgent(config.osUser()));
    }

    PostgresServer(AgentConfig.Postgresql config, String memberName, OsUser user) {
        this.config = Objects.requireNonNull(config, "config");
        this.nodeParameters = config.parameters();
        this.memberName = Objects.requireNonNull(memberName, "memberName");
        Path dir = Objects.requireNonNull(config.dataDir(), "postgresql.data_dir");
        this.dataDir = new DataDirectory(dir, memberName, user);
        this.tools = new PgTools(config.binDir(), user, new CommandRunner(), dataDir.parent());
        this.pidFile = new PostmasterPidFile(dataDir.path());
        this.controlFile = new ControlFile(dataDir.path());
        this.queries = new ServerQueries(new ServerConnections(connectHost(config.host()), config.port(),
                config.superuser().username(), config.superuser().password(),
                config.replication().username(), config.replication().password()));
    }

    /** Where the agent reaches its own server: the listen address, or loopback when that is a wildcard. */
    static String connectHost(String listenHost) {
        String first = listenHost.split(",")[0].strip();
        return switch (first) {
            case "", "*", "0.0.0.0" -> "127.0.0.1";
            case "::" -> "::1";
            default -> first;
        };
    }

    /**
     * Patroni's slot name for a member: lowercased; {@code -} and {@code .} become {@code _}, any other
     * character outside {@code [a-z0-9_]} becomes {@code u} and its code point in (at least four)
     * decimal digits; at most 63 characters. (Patroni 3.0's rule, so slots match a Patroni cluster's.)
     */
    public static String slotName(String memberName) {
        StringBuilder slot = new StringBuilder();
        memberName.toLowerCase(java.util.Locale.ROOT).codePoints().forEach(c -> {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                slot.appendCodePoint(c);
            } else if (c == '-' || c == '.') {
                slot.append('_');
            } else {
                slot.append('u').append(String.format(java.util.Locale.ROOT, "%04d", c));
            }
        });
        return slot.length() > 63 ? slot.substring(0, 63) : slot.toString();
    }

    public String memberName() {
        return memberName;
    }

    public Path dataDirectory() {
        return dataDir.path();
    }

    /** The server log ({@code pg_ctl -l}), beside the data directory. */
    public Path logFile() {
        return dataDir.logFile();
    }

    // ---- data directory ---------------------------------------------------------------------

    /** Whether the data directory holds a cluster ({@code PG_VERSION} present). */
    public boolean hasDataDirectory() {
        return dataDir.isInitialized();
    }

    /** Deletes the cluster for a re-clone, leaving an empty directory owned by the OS user, mode 0700. */
    public void removeDataDirectory() {
        synchronized (lock) {
            requireStopped("remove the data directory");
            dataDir.removeContents();
            LOG.info("Removed the contents of data directory {}", dataDir);
        }
    }

    /** {@code pg_controldata}: works while the server is stopped. */
    public ControlData controlData() {
        CommandOutput out = tools.run("pg_controldata", List.of("-D", dataDir.path().toString()),
                Map.of("LC_ALL", "C"), CONTROLDATA_TIMEOUT).requireSuccess("pg_controldata of " + dataDir);
        return ControlData.parse(out.output());
    }

    /**
     * The newest timeline with a history file in pg_wal (1 when none): where a stopped standby that
     * follows the latest timeline stands, which pg_control only learns at its next restartpoint.
     */
    public long newestHistoryTimeline() {
        long newest = 1;
        try (var files = java.nio.file.Files.list(dataDir.path().resolve("pg_wal"))) {
            for (String name : files.map(f -> f.getFileName().toString()).toList()) {
                if (name.matches("[0-9A-F]{8}\\.history")) {
                    newest = Math.max(newest, Long.parseLong(name.substring(0, 8), 16));
                }
            }
        } catch (java.io.IOException e) {
            throw new PostgresException("could not list " + dataDir.path().resolve("pg_wal") + ": " + e, e);
        }
        return newest;
    }

    /**
     * Where {@code timeline} forked off its parent, from its history file in pg_wal (the last line:
     * parent timeline, switch point, reason); empty without the file.
     */
    public OptionalLong timelineSwitchPoint(long timeline) {
        java.nio.file.Path file = dataDir.path().resolve("pg_wal").resolve(String.format("%08X.history", timeline));
        try {
            List<String> lines = java.nio.file.Files.readAllLines(file).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            if (lines.isEmpty()) {
                return OptionalLong.empty();
            }
            String[] fields = lines.get(lines.size() - 1).split("\\s+");
            return OptionalLong.of(io.pgwarden.discovery.patroni.Lsn.parse(fields[1]));
        } catch (java.io.IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The cluster's system identifier from pg_control (works while stopped). */
    public String systemIdentifier() {
        return controlData().systemIdentifier();
    }

    // ---- bootstrap --------------------------------------------------------------------------

    /**
     * Creates a new cluster with initdb, the configured superuser and its password, then writes the
     * agent's configuration files (with the cluster parameters last given to {@link #configure}).
     *
     * @param options Patroni style: {@code data-checksums}, {@code encoding=UTF8}
     */
    public void initdb(List<String> options) {
        List<String> optionArgs = InitdbOptions.toArguments(options);
        synchronized (lock) {
            if (hasDataDirectory()) {
                throw new PostgresException("initdb: " + dataDir + " already holds a cluster");
            }
            dataDir.prepareEmpty();
            AgentConfig.User superuser = config.superuser();
            Path pwFile = dataDir.parent().resolve("." + dataDir.path().getFileName() + ".initdb-pw");
            List<String> args = new ArrayList<>(List.of("-D", dataDir.path().toString(),
                    "--username=" + superuser.username()));
            if (!superuser.password().isEmpty()) {
                dataDir.write(pwFile, superuser.password() + "\n");
                args.add("--pwfile=" + pwFile);
            }
            args.addAll(optionArgs);
            try {
                tools.run("initdb", args, Map.of(), INITDB_TIMEOUT).requireSuccess("initdb of " + dataDir);
            } finally {
                dataDir.delete(pwFile);
            }
            writeConfiguration();
            LOG.info("Initialized a new cluster in {} (initdb {})", dataDir, String.join(" ", optionArgs));
        }
    }

    /**
     * On a running primary: sets the superuser's password and creates the replication user (LOGIN
     * REPLICATION) and a rewind user other than the superuser (with the functions pg_rewind needs).
     * Idempotent.
     */
    public void createUsers() {
        queries.createUsers(config.superuser(), config.replication(), config.rewind());
    }

    /** {@link #basebackup(String, int, Duration)} with {@link #COPY_TIMEOUT}. */
    public void basebackup(String sourceHost, int sourcePort) {
        basebackup(sourceHost, sourcePort, COPY_TIMEOUT);
    }

    /**
     * Clones a running server into the empty data directory (pg_basebackup as the replication user,
     * WAL streamed alongside, fast checkpoint on the source), then writes the agent's configuration.
     * The clone keeps {@code standby.signal} so that it can never start as a second primary;
     * {@link #configureStandby} says where it streams from.
     */
    public void basebackup(String sourceHost, int sourcePort, Duration timeout) {
        synchronized (lock) {
            requireStopped("pg_basebackup");
            if (hasDataDirectory()) {
                throw new PostgresException("pg_basebackup: " + dataDir + " already holds a cluster; remove it first");
            }
            dataDir.prepareEmpty();
            AgentConfig.User user = config.replication();
            Map<String, String> conninfo = new LinkedHashMap<>();
            conninfo.put("host", sourceHost);
            conninfo.put("port", String.valueOf(sourcePort));
            conninfo.put("user", user.username());
            conninfo.put("application_name", memberName);
            conninfo.put("connect_timeout", "5");
            List<String> args = List.of("-D", dataDir.path().toString(), "-d", Conninfo.of(conninfo),
                    "-X", "stream", "-c", "fast", "--no-password");
            tools.run("pg_basebackup", args, passwordEnv(user), timeout)
                    .requireSuccess("pg_basebackup from " + sourceHost + ":" + sourcePort);
            // The source's own settings and standby files describe the source, not this node.
            dataDir.removeAutoConfSettings(NOT_INHERITED);
            dataDir.delete(dataDir.file(DataDirectory.RECOVERY_CONF));
            dataDir.delete(dataDir.file("recovery.signal"));
            dataDir.touch(dataDir.file("standby.signal"));
            writeConfiguration();
            LOG.info("Cloned {}:{} into {}", sourceHost, sourcePort, dataDir);
        }
    }

    /** {@link #rewind(String, int, Duration)} with {@link #COPY_TIMEOUT}. */
    public RewindResult rewind(String sourceHost, int sourcePort) {
        return rewind(sourceHost, sourcePort, COPY_TIMEOUT);
    }

    /**
     * Before {@link #rewind}: has the source, out of recovery, write a checkpoint as the rewind user, so
     * that pg_rewind finds its current timeline in its pg_control (a promotion does not wait for that).
     *
     * @throws PostgresException if the source is still in recovery or cannot checkpoint
     */
    public void prepareRewindSource(String sourceHost, int sourcePort) {
        AgentConfig.User user = config.rewind();
        ServerQueries.checkpointRewindSource(new ServerConnections(sourceHost, sourcePort, user.username(),
                user.password(), user.username(), user.password()));
    }

    /**
     * Rewinds the stopped data directory onto a running source's timeline (pg_rewind as the rewind
     * user), once {@link #prepareRewindSource} succeeded. pg_rewind copies the source's configuration
     * files; this node's are put back afterwards, whatever the outcome. A failure is a result, not an
     * exception: the caller decides to re-clone.
     */
    public RewindResult rewind(String sourceHost, int sourcePort, Duration timeout) {
        synchronized (lock) {
            requireStopped("pg_rewind");
            AgentConfig.User user = config.rewind();
            Map<String, String> conninfo = new LinkedHashMap<>();
            conninfo.put("host", sourceHost);
            conninfo.put("port", String.valueOf(sourcePort));
            conninfo.put("user", user.username());
            conninfo.put("dbname", "postgres");
            conninfo.put("connect_timeout", "5");
            Map<String, String> env = new LinkedHashMap<>(passwordEnv(user));
            env.put("LC_ALL", "C");
            Map<Path, String> saved = dataDir.saveConfig();
            CommandOutput out;
            try {
                out = tools.run("pg_rewind", List.of("-D", dataDir.path().toString(),
                        "--source-server=" + Conninfo.of(conninfo)), env, timeout);
            } finally {
                dataDir.restoreConfig(saved);
            }
            if (out.succeeded()) {
                LOG.info("pg_rewind of {} from {}:{} succeeded", dataDir, sourceHost, sourcePort);
            } else {
                LOG.warn("pg_rewind of {} from {}:{} failed with exit code {}: {}", dataDir, sourceHost, sourcePort,
                        out.exitCode(), CommandOutput.tail(out.output(), 3).replace('\n', ' '));
            }
            return new RewindResult(out.succeeded(), out.output());
        }
    }

    // ---- configuration ----------------------------------------------------------------------

    /**
     * Rewrites the agent's configuration: {@value DataDirectory#AGENT_CONF} with what replication
     * needs, the cluster's parameters, the node's (which win) and the listen address; pg_hba.conf from
     * {@code postgresql.pg_hba}; the include line in postgresql.conf once. A running server needs
     * {@link #reload()} (or a restart, see {@link PostgresState#pendingRestart()}).
     */
    public void configure(Map<String, Object> clusterParameters) {
        Map<String, Object> copy = new LinkedHashMap<>(clusterParameters); // may hold nulls: unset
        synchronized (lock) {
            this.clusterParameters = copy;
            writeConfiguration();
        }
    }

    /**
     * Replaces this node's own settings ({@code postgresql.parameters}, re-read from the agent's file) and,
     * once there is a data directory, rewrites the configuration; a running server needs {@link #reload()}.
     */
    public void setNodeParameters(Map<String, Object> parameters) {
        synchronized (lock) {
            this.nodeParameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
            if (hasDataDirectory()) {
                writeConfiguration();
            }
        }
    }

    private void writeConfiguration() {
        if (!hasDataDirectory()) {
            throw new PostgresException("cannot configure " + dataDir + ": no cluster there yet");
        }
        Map<String, Object> settings = ServerSettings.merge(config.host(), config.port(), clusterParameters,
                nodeParameters);
        dataDir.write(dataDir.file(DataDirectory.AGENT_CONF), renderAgentConf(settings));
        dataDir.write(dataDir.file("pg_hba.conf"), renderHba(config.pgHba()));
        dataDir.ensureIncluded();
        LOG.debug("Wrote the configuration of {}", dataDir);
    }

    static String renderAgentConf(Map<String, Object> settings) {
        return "# pgwarden agent: this node's settings, rewritten by the agent (edit its configuration instead).\n"
                + "# ALTER SYSTEM (postgresql.auto.conf) still overrides them.\n"
                + ConfFile.lines(settings)
                + "include_if_exists '" + DataDirectory.RECOVERY_CONF + "'\n";
    }

    static String renderHba(List<String> lines) {
        return "# pgwarden agent: from postgresql.pg_hba, rewritten by the agent.\n" + String.join("\n", lines) + "\n";
    }

    /**
     * Makes this node a standby of {@code primaryHost:primaryPort}: standby.signal, and primary_conninfo
     * as the replication user with {@code application_name} = the member name and the password in
     * {@code <member>.pgpass}; {@code primary_slot_name} = {@link #slotName} of the member when
     * {@code useSlot}; {@code recovery_target_timeline = latest}. A running standby picks a new primary
     * up on {@link #reload()}.
     */
    public void configureStandby(String primaryHost, int primaryPort, boolean useSlot) {
        synchronized (lock) {
            if (!hasDataDirectory()) {
                throw new PostgresException("cannot configure " + dataDir + " as a standby: no cluster there yet");
            }
            AgentConfig.User user = config.replication();
            dataDir.write(dataDir.passFile(), PassFile.anyHostLine(user.username(), user.password()));
            dataDir.write(dataDir.file(DataDirectory.RECOVERY_CONF), StandbySettings.render(primaryHost, primaryPort,
                    user.username(), dataDir.passFile(), memberName, useSlot ? slotName(memberName) : null));
            dataDir.touch(dataDir.file("standby.signal"));
            if (primaryHost == null) {
                LOG.info("Configured {} as a standby of nobody", memberName);
            } else {
                LOG.info("Configured {} as a standby of {}:{}{}", memberName, primaryHost, primaryPort,
                        useSlot ? " through slot " + slotName(memberName) : "");
            }
        }
    }

    /** Removes standby.signal and the recovery settings: the next start is a primary's. */
    public void configurePrimary() {
        synchronized (lock) {
            dataDir.delete(dataDir.file("standby.signal"));
            dataDir.delete(dataDir.file("recovery.signal"));
            dataDir.delete(dataDir.file(DataDirectory.RECOVERY_CONF));
            LOG.info("Configured {} as a primary", memberName);
        }
    }

    /** Makes the running server re-read its configuration files ({@code pg_ctl reload}). */
    public void reload() {
        tools.run("pg_ctl", List.of("reload", "-D", dataDir.path().toString()), Map.of(), RELOAD_TIMEOUT)
                .requireSuccess("pg_ctl reload of " + dataDir);
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /** Whether the postmaster named in postmaster.pid runs (a live postgres process in this data directory). */
    public boolean isRunning() {
        return pidFile.runningPid().isPresent();
    }

    /** Whether the server is down because this agent stopped it (not a crash, not someone else's stop). */
    public boolean stoppedByAgent() {
        if (isRunning()) {
            stoppedByAgent = false; // started again, by the agent or by someone else: a later stop is not ours
            return false;
        }
        return stoppedByAgent;
    }

    public OptionalLong postmasterPid() {
        return pidFile.runningPid();
    }

    /**
     * Starts the server ({@code pg_ctl start -w}) and waits until it accepts connections, at most
     * {@code timeout}; a no-op if it runs. The log goes to {@link #logFile()}.
     *
     * @throws PostgresException with the tail of the server log when it does not come up
     */
    public void start(Duration timeout) {
        synchronized (lock) {
            if (isRunning()) {
                return;
            }
            dataDir.touch(dataDir.logFile()); // the OS user may not create files beside the data directory
            pidFile.awaitGone(Math.min(5000, timeout.toMillis() / 2));
            CommandOutput out = pgCtl(timeout, "start", "-l", dataDir.logFile().toString());
            if (!out.succeeded()) {
                throw new PostgresException("pg_ctl start of " + dataDir + " failed (exit code " + out.exitCode() + "): "
                        + out.output().strip() + "\n" + dataDir.logTail(LOG_TAIL_LINES));
            }
            stoppedByAgent = false;
            LOG.info("Started PostgreSQL {} ({}:{}), postmaster pid {}", memberName, config.host(), config.port(),
                    postmasterPid().orElse(-1));
        }
    }

    /** Stops the server and waits for it; a no-op if it is down. */
    public void stop(StopMode mode, Duration timeout) {
        synchronized (lock) {
            if (!isRunning()) {
                return;
            }
            CommandOutput out = pgCtl(timeout, "stop", "-m", mode.pgCtlName());
            if (!out.succeeded() && isRunning()) {
                out.requireSuccess("pg_ctl stop -m " + mode.pgCtlName() + " of " + dataDir);
            }
            stoppedByAgent = true;
            LOG.info("Stopped PostgreSQL {} ({} shutdown)", memberName, mode.pgCtlName());
        }
    }

    /** Promotes the running standby and waits until it has left recovery ({@code pg_ctl promote -w}). */
    public void promote(Duration timeout) {
        synchronized (lock) {
            pgCtl(timeout, "promote").requireSuccess("pg_ctl promote of " + dataDir);
            LOG.info("Promoted PostgreSQL {}", memberName);
        }
    }

    /**
     * What pg_ctl stop -W does (SIGINT for fast, SIGQUIT for immediate), without starting pg_ctl under
     * runuser: the postmaster's owner (or root) may signal it directly.
     */
    private void signalStop(StopMode mode, Duration timeout) {
        OptionalLong pid = postmasterPid();
        String signal = mode == StopMode.IMMEDIATE ? "-QUIT" : "-INT";
        if (pid.isEmpty()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(pid.getAsLong())).redirectErrorStream(true).start();
            if (kill.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) && kill.exitValue() == 0) {
                return;
            }
        } catch (java.io.IOException e) {
            LOG.debug("kill {} {} failed: {}", signal, pid.getAsLong(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tools.run("pg_ctl", List.of("stop", "-D", dataDir.path().toString(), "-W", "-m", mode.pgCtlName()),
                Map.of(), timeout.plus(PG_CTL_GRACE)).requireSuccess("pg_ctl stop -m " + mode.pgCtlName() + " of " + dataDir);
    }

    /** Promotes the running standby and waits until it accepts writes, looking every few milliseconds. */
    public void promotePromptly(Duration timeout) {
        promotePromptly(timeout, null);
    }

    /** As {@link #promotePromptly(Duration)}, on {@code held} when not null (no login on the way). */
    public void promotePromptly(Duration timeout, HeldConnection held) {
        synchronized (lock) {
            if (!queries.promote(held == null ? null : held.connection(), timeout)) {
                // Not answering over SQL is not "not promoted": ask pg_control before saying it failed.
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!controlData().state().contains("production")) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new PostgresException("PostgreSQL " + memberName + " did not leave recovery within "
                                + timeout.toMillis() + " ms of pg_ctl promote");
                    }
                    sleepBriefly();
                }
            }
            LOG.info("Promoted PostgreSQL {}", memberName);
        }
    }

    /**
     * The latest checkpoint's location, read from {@code global/pg_control} itself: a switchover needs
     * it the moment the server is down. Falls back to pg_controldata.
     */
    public long latestCheckpointLsn() {
        return controlFile.read().map(ControlFile.Snapshot::checkpoint).orElseGet(() -> controlData().checkpointLsn());
    }

    /**
     * A fast shutdown for a switchover: returns the shutdown checkpoint's location as soon as pg_control
     * says "shut down" (from then on the server writes nothing, and takes no connection), without
     * waiting for the postmaster to exit, which first waits until its standbys confirm that checkpoint
     * and its other children end. {@link #awaitStopped} waits for that.
     */
    public long shutDownForSwitchover(Duration timeout) {
        synchronized (lock) {
            if (isRunning()) {
                signalStop(StopMode.FAST, timeout);
                long deadline = System.nanoTime() + timeout.toNanos();
                while (isRunning()) {
                    Optional<ControlFile.Snapshot> control = controlFile.read();
                    if (control.isPresent() && control.get().shutDown()) {
                        stoppedByAgent = true;
                        LOG.info("PostgreSQL {} wrote its shutdown checkpoint at {} (fast shutdown)", memberName,
                                io.pgwarden.discovery.patroni.Lsn.format(control.get().checkpoint()));
                        return control.get().checkpoint();
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new PostgresException("PostgreSQL " + memberName + " did not shut down within "
                                + timeout.toMillis() + " ms");
                    }
                    sleepBriefly();
                }
                stoppedByAgent = true;
                LOG.info("Stopped PostgreSQL {} (fast shutdown)", memberName);
            }
            return latestCheckpointLsn();
        }
    }

    /** Waits until the postmaster is gone, looking every few milliseconds. */
    public void awaitStopped(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning()) {
            if (System.nanoTime() - deadline > 0) {
                throw new PostgresException("PostgreSQL " + memberName + " did not exit within " + timeout.toMillis() + " ms");
            }
            sleepBriefly();
        }
    }

    /** Waits until this standby has received WAL past {@code lsn}; false after {@code timeout}. */
    public boolean awaitReceivedPast(long lsn, Duration timeout, HeldConnection held) {
        return queries.pollUntil(held == null ? null : held.connection(), "SELECT coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text",
                text -> text != null && io.pgwarden.discovery.patroni.Lsn.parse(text) > lsn, timeout);
    }

    /** One connection for several quick steps in a row; closed by the caller. */
    public HeldConnection hold() {
        return new HeldConnection(queries.openHeld());
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while waiting for PostgreSQL", e);
        }
    }

    public void checkpoint() {
        queries.checkpoint();
    }

    /**
     * Before a switchover, while clients still run: a new WAL segment, then a checkpoint. The shutdown
     * checkpoint then has little to write, and the standbys, which restart streaming on the new timeline
     * from the start of the segment holding the switch point, get a few kilobytes again instead of up to
     * a whole segment (the new primary's first commits wait for one of them in synchronous mode).
     */
    public void prepareForSwitchover() {
        queries.switchWalAndCheckpoint();
    }

    private CommandOutput pgCtl(Duration timeout, String action, String... more) {
        List<String> args = new ArrayList<>(List.of(action, "-D", dataDir.path().toString(), "-w",
                "-t", String.valueOf(Math.max(1, timeout.toSeconds()))));
        args.addAll(List.of(more));
        return tools.run("pg_ctl", args, Map.of(), timeout.plus(PG_CTL_GRACE));
    }

    private void requireStopped(String what) {
        if (isRunning()) {
            throw new PostgresException("cannot " + what + " of " + dataDir + " while PostgreSQL runs (pid "
                    + postmasterPid().orElse(-1) + ")");
        }
    }

    private static Map<String, String> passwordEnv(AgentConfig.User user) {
        // In the environment, which only the OS user and root can read, never on the command line.
        return user.password().isEmpty() ? Map.of() : Map.of("PGPASSWORD", user.password());
    }

    // ---- state over SQL ---------------------------------------------------------------------

    /** The server's state, or empty when it cannot be reached. */
    public Optional<PostgresState> state() {
        return queries.state();
    }

    /** {@code pg_stat_replication} on this (primary) server. */
    public List<ReplicationRow> replication() {
        return queries.replication();
    }

    public Set<String> physicalSlots() {
        return queries.physicalSlots();
    }

    /** Creates a physical slot that reserves WAL at once; one that exists already is fine. */
    public void createPhysicalSlot(String name) {
        queries.createPhysicalSlot(name);
    }

    /** Drops a slot; a missing one is fine. */
    public void dropSlot(String name) {
        queries.dropSlot(name);
    }

    /** {@code ALTER SYSTEM SET synchronous_standby_names} and a reload; {@code ""} makes replication asynchronous. */
    public void setSynchronousStandbyNames(String value) {
        queries.setSynchronousStandbyNames(Objects.requireNonNull(value, "value"));
    }

    @Override
    public String toString() {
        return "PostgresServer[" + memberName + " " + dataDir + "]";
    }
}
