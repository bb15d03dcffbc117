package io.pgwarden.agent;

import io.pgwarden.agent.callbacks.Callbacks;
import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.agent.dcs.ClusterRead;
import io.pgwarden.agent.dcs.DcsException;
import io.pgwarden.agent.dcs.EtcdDcs;
import io.pgwarden.agent.dcs.LeaseKeeper;
import io.pgwarden.agent.dynamic.ParameterSync;
import io.pgwarden.agent.loop.Action;
import io.pgwarden.agent.loop.Election;
import io.pgwarden.agent.loop.HaDecider;
import io.pgwarden.agent.loop.LocalState;
import io.pgwarden.agent.loop.Observation;
import io.pgwarden.agent.loop.PeerReport;
import io.pgwarden.agent.loop.SyncMode;
import io.pgwarden.agent.loop.SyncPlan;
import io.pgwarden.agent.loop.SyncPlanner;
import io.pgwarden.agent.loop.Timing;
import io.pgwarden.agent.postgres.ControlData;
import io.pgwarden.agent.postgres.HeldConnection;
import io.pgwarden.agent.postgres.PostgresException;
import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.agent.postgres.PostgresState;
import io.pgwarden.agent.postgres.ReplicationRow;
import io.pgwarden.agent.postgres.RewindResult;
import io.pgwarden.agent.postgres.StopMode;
import io.pgwarden.agent.rest.NodeStatus;
import io.pgwarden.agent.handover.RouterDrain;
import io.pgwarden.agent.watchdog.Watchdog;
import io.pgwarden.discovery.drain.Drain;
import io.pgwarden.discovery.drain.DrainKeys;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.agent.rest.ReplicationInfo;
import io.pgwarden.discovery.patroni.ClusterConfig;
import io.pgwarden.discovery.patroni.ConnUrl;
import io.pgwarden.discovery.patroni.HistoryEntry;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.discovery.patroni.Status;
import io.pgwarden.discovery.patroni.SyncState;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's HA agent: observes etcd and the local PostgreSQL, asks {@link HaDecider} what to do, does
 * it, and publishes its member key. Runs the loop every {@code loop_wait}, and at once on any change
 * under the cluster's prefix, a lost lease, or the postmaster's exit (seen by the fence thread).
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    public static final String VERSION = "3.0.2"; // Patroni's member-key version field: what patronictl expects to parse
    private static final Duration SLOT_KEEP = Duration.ofMinutes(30);
    /** How long routers may let transactions run on a leaving primary; {@code drain_timeout} in config. */
    private static final double DEFAULT_DRAIN_TIMEOUT_SECONDS = 5;

    private final AgentConfig config;
    private final EtcdDcs dcs;
    private final PostgresServer postgres;
    private final PeerClient peers;
    private final AgentEvents events;
    private final Runnable beforeCycle;
    private final HaDecider decider = new HaDecider();
    private final PatroniJson json = new PatroniJson();
    private final LeaseKeeper leaseKeeper;
    private final Fence fence;
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition wakeUp = wakeLock.newCondition();
    private final Map<String, Long> memberLastSeen = new HashMap<>();
    /** Members seen in recent reads, kept a while after their keys vanish: an election asks them too. */
    private final Map<String, RecentMember> recentMembers = new HashMap<>();

    private record RecentMember(MemberData data, long seenNanos) {
    }

    private volatile boolean woken;
    private volatile boolean stopping;
    private volatile boolean watching;
    private volatile Timing timing;
    private volatile boolean runsAsPrimary;
    private volatile NodeStatus status;
    private Optional<PostgresState> lastState = Optional.empty();
    private List<ReplicationRow> lastReplication = List.of();
    private java.time.Instant dcsLastSeen;
    private String following; // host:port our primary_conninfo points at
    private long crashedSinceNanos; // key holder's PostgreSQL found down
    private long lastClusterId;
    private long lastRevision;
    private ClusterConfig lastConfig;
    private List<HistoryEntry> lastHistory = List.of();
    private String lastInitialize;

    private final Watchdog watchdog;
    private final RouterDrain routerDrain;
    private final ParameterSync parameterSync;
    private final Callbacks callbacks;
    private volatile boolean paused; // the config key said pause at the last read
    private String standbyNames; // what this agent last set synchronous_standby_names to

    public Agent(AgentConfig config, EtcdDcs dcs, PostgresServer postgres, Watchdog watchdog, AgentEvents events) {
        this(config, dcs, postgres, watchdog, events, () -> { });
    }

    /**
     * @param beforeCycle runs on the loop's thread before each cycle: control requests from the REST API
     *                    (restart, reinitialize), which must not race the loop for PostgreSQL
     */
    public Agent(AgentConfig config, EtcdDcs dcs, PostgresServer postgres, Watchdog watchdog, AgentEvents events,
                 Runnable beforeCycle) {
        this.beforeCycle = Objects.requireNonNull(beforeCycle, "beforeCycle");
        this.config = Objects.requireNonNull(config, "config");
        this.watchdog = watchdog;
        this.dcs = dcs;
        this.postgres = postgres;
        this.events = events;
        this.timing = Timing.ofSeconds(config.ttl(), config.loopWait(), config.retryTimeout());
        this.callbacks = Callbacks.of(config.postgresql().callbacks().byKey(), config.scope(),
                Duration.ofSeconds(config.postgresql().callbackTimeout()));
        this.peers = new PeerClient(Duration.ofMillis(Math.min(2000, timing.retryTimeout().toMillis())),
                config.restapi().tlsFiles());
        this.leaseKeeper = new LeaseKeeper(dcs, () -> timing.loopWait().dividedBy(2), this::wake, events::leaseRenewed);
        this.fence = new Fence(postgres, () -> runsAsPrimary, leaseKeeper::sinceRenewal, () -> timing.renewDeadline(),
                () -> {
                    runsAsPrimary = false;
                    watchdog.disarm();
                    callbacks.stopped(Callbacks.PRIMARY);
                    events.demoted("fence");
                    wake();
                }, watchdog, () -> watchdog.feedDeadline(timing.ttl()), this::wake);
        this.status = NodeStatus.starting(config.name(), config.scope(), VERSION);
        this.routerDrain = new RouterDrain(dcs, new DrainKeys(dcs.keys()));
        this.parameterSync = new ParameterSync(postgres);
    }

    /** The snapshot of the last loop, for the REST API and the gauges. */
    public NodeStatus status() {
        return status;
    }

    public Timing timing() {
        return timing;
    }

    /** Runs the loop on the calling thread until {@link #shutdown()}. */
    public void run() {
        LOG.info("Agent {} of cluster {} starting: etcd {}, PostgreSQL {} in {}, ttl {} s, loop_wait {} s, retry_timeout {} s",
                config.name(), config.scope(), config.etcd(), config.postgresql().listen(),
                config.postgresql().dataDir(), timing.ttl().toSeconds(), timing.loopWait().toSeconds(),
                timing.retryTimeout().toSeconds());
        leaseKeeper.start();
        fence.start();
        Thread warmUp = new Thread(() -> {
            dcs.warmUp();
            json.writeHistory(List.of());
        }, "pgwarden-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        while (!stopping) {
            long started = System.nanoTime();
            try {
                beforeCycle.run();
                cycle();
            } catch (RuntimeException e) {
                LOG.error("HA loop failed; trying again", e);
            }
            sleepUntilWoken(started);
        }
    }

    /** Wakes the loop now (a watch event, a lost lease, the postmaster exited). */
    public void wake() {
        wakeLock.lock();
        try {
            woken = true;
            wakeUp.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    /**
     * A clean stop (SIGTERM): PostgreSQL is stopped (fast, so replicas get the shutdown checkpoint),
     * then the leader key is deleted at once, so nobody waits for the ttl, then the lease goes.
     */
    public void shutdown() {
        stopping = true;
        wake();
    }

    void stopCleanly() {
        fence.close();
        leaseKeeper.close();
        try {
            if (paused) {
                // As Patroni: in pause the agent leaves PostgreSQL as it is. The lease still goes, and the
                // leader key with it; nobody runs for it while paused, and a restarted agent takes it back.
                watchdog.disarm();
                LOG.info("Paused: leaving PostgreSQL as it is");
                return;
            }
            boolean leader = runsAsPrimary;
            boolean wasRunning = postgres.isRunning();
            postgres.stop(StopMode.FAST, Duration.ofSeconds(60));
            if (wasRunning) {
                callbacks.stopped(leader ? Callbacks.PRIMARY : Callbacks.REPLICA);
            }
            runsAsPrimary = false;
            watchdog.disarm();
            if (leader) {
                try {
                    if (dcs.releaseLeader()) {
                        LOG.info("Stopped PostgreSQL and released the leader key");
                    }
                } catch (DcsException e) {
                    LOG.warn("Could not release the leader key: {}", e.getMessage());
                }
            }
        } finally {
            dcs.revokeLease();
        }
    }

    @Override
    public void close() {
        stopCleanly();
        callbacks.close();
        dcs.close();
    }

    // ---- the loop ----

    private void cycle() {
        Optional<ClusterRead> read = readCluster();
        read.ifPresent(r -> applyDynamicConfig(r.cluster()));
        LocalState local = observeLocal();
        runsAsPrimary = local.runningPrimary();
        OptionalLong leaderLease = read.flatMap(this::leaderLeaseRemaining).map(OptionalLong::of).orElse(OptionalLong.empty());
        Observation observation = new Observation(config.name(), config.tags().mayBePromoted(),
                read.map(ClusterRead::cluster), local, leaseKeeper.sinceRenewal(), leaderLease, timing,
                maximumLagOnFailover(read), syncMode(read));
        Action action = decider.decide(observation);
        if (!(action instanceof Action.Lead) && !(action instanceof Action.Replicate)) {
            LOG.info("{}", action.describe());
        }
        try {
            execute(action, read.map(ClusterRead::cluster).orElse(null), local);
        } catch (PostgresException | DcsException e) {
            LOG.warn("{} failed: {}", action.describe(), e.getMessage());
        }
        LocalState after = observeLocal();
        runsAsPrimary = after.runningPrimary();
        if (after.answering()) {
            callbacks.running(after.runningPrimary() ? Callbacks.PRIMARY : Callbacks.REPLICA);
        }
        if (read.isPresent()) {
            publishMember(after);
        }
        status = snapshot(after, read.map(ClusterRead::cluster), holdsKey(read));
    }

    private NodeStatus snapshot(LocalState local, Optional<PatroniCluster> cluster, boolean holdsKey) {
        NodeStatus.Builder b = NodeStatus.builder(config.name(), config.scope()).agentVersion(VERSION)
                .role(!local.hasData() ? NodeStatus.UNINITIALIZED : local.runningPrimary() ? NodeStatus.PRIMARY : NodeStatus.REPLICA)
                .state(memberState(local))
                .holdsLeaderKey(holdsKey)
                .tags(config.tags().asMemberTags())
                .dcsLastSeen(dcsLastSeen)
                .livenessTimeout(local.runningPrimary() ? timing.ttl() : timing.ttl().multipliedBy(2));
        cluster.ifPresent(c -> {
            b.cluster(c).paused(c.paused());
            b.synchronousStandby(c.sync().map(s -> s.syncStandbys().contains(config.name())).orElse(false));
        });
        if (local.timeline() > 0) {
            b.timeline(local.timeline());
        }
        lastState.filter(s -> local.answering()).ifPresent(s -> {
            b.serverVersion(s.serverVersionNum()).postmasterStartTime(s.postmasterStart()).pendingRestart(s.pendingRestart());
            if (s.inRecovery()) {
                b.receiveLsn(s.receiveLsn()).replayLsn(s.replayLsn()).replicationState(s.replicationState());
                OptionalLong last = cluster.map(PatroniCluster::lastLeaderLsn).orElse(OptionalLong.empty());
                if (last.isPresent()) {
                    long replayed = s.replayLsn() != null ? s.replayLsn() : s.walLsn();
                    b.lagBytes(Math.max(0, last.getAsLong() - replayed));
                }
            } else {
                b.xlogLocation(s.walLsn()).lagBytes(0L);
                b.replication(lastReplication.stream().map(r -> new ReplicationInfo(r.usename(), r.applicationName(),
                        r.clientAddr(), r.state(), r.syncState(), r.syncPriority())).toList());
            }
        });
        return b.takenAt(java.time.Instant.now()).build();
    }

    private static String memberState(LocalState local) {
        return !local.hasData() ? NodeStatus.STOPPED : local.answering() ? NodeStatus.RUNNING
                : local.running() ? NodeStatus.STARTING : NodeStatus.STOPPED;
    }

    private boolean holdsKey(Optional<ClusterRead> read) {
        return runsAsPrimary && read.flatMap(r -> r.cluster().leader()).map(config.name()::equals).orElse(false);
    }

    private Optional<ClusterRead> readCluster() {
        ClusterRead read;
        try {
            read = dcs.read();
            adoptClusterConfig(read); // before a lease is granted: with the cluster's ttl, not the file's
            dcs.ensureLease(timing.ttl());
            dcsLastSeen = java.time.Instant.now();
        } catch (DcsException e) {
            LOG.debug("etcd read failed: {}", e.getMessage());
            watching = false;
            return Optional.empty();
        }
        if (lastClusterId != 0 && (read.clusterId() != lastClusterId || read.revision() < lastRevision)) {
            LOG.warn("etcd was replaced or wiped (cluster id {} -> {}, revision {} -> {}): re-creating our keys",
                    Long.toHexString(lastClusterId), Long.toHexString(read.clusterId()), lastRevision, read.revision());
            watching = false;
        }
        lastClusterId = read.clusterId();
        lastRevision = read.revision();
        if (!watching) {
            watching = true;
            dcs.watch(read.revision(), this::onChanges, () -> {
                watching = false;
                wake();
            });
        }
        long now = System.nanoTime();
        read.cluster().members().forEach((name, data) -> recentMembers.put(name, new RecentMember(data, now)));
        recentMembers.values().removeIf(m -> now - m.seenNanos() > timing.ttl().multipliedBy(3).toNanos());
        read.cluster().config().ifPresent(c -> lastConfig = c);
        read.cluster().history().ifPresent(h -> lastHistory = h);
        read.cluster().initialize().filter(s -> !s.isBlank()).ifPresent(s -> lastInitialize = s);
        return Optional.of(read);
    }

    /**
     * Wakes the loop for changes that call for a decision: the leader, config, failover, sync,
     * initialize, history keys, and members that leave. Not for status and member updates, which every
     * loop writes: waking on them would make the agents wake each other in a ring.
     */
    private void onChanges(List<String> keys) {
        PatroniKeys k = dcs.keys();
        Set<String> decisive = Set.of(k.leader(), k.config(), k.failover(), k.sync(), k.initialize(), k.history());
        for (String key : keys) {
            boolean deleted = key.startsWith("-");
            String name = deleted ? key.substring(1) : key;
            if (decisive.contains(name) || deleted && name.startsWith(k.membersPrefix())) {
                wake();
                return;
            }
        }
    }

    /** Pause and the cluster's PostgreSQL parameters, every loop (timing: {@link #adoptClusterConfig}). */
    private void applyDynamicConfig(PatroniCluster cluster) {
        if (cluster.paused() != paused) {
            LOG.info(cluster.paused() ? "The cluster is paused: no automatic action until it is resumed"
                    : "The cluster is resumed: automatic failover is back");
        }
        paused = cluster.paused();
        try {
            parameterSync.apply(clusterParameters(cluster));
        } catch (PostgresException e) {
            LOG.warn("Could not apply the cluster parameters: {}", e.getMessage());
        }
    }

    /** ttl, loop_wait and retry_timeout from the {@code config} key win over the file's, as in Patroni. */
    private void adoptClusterConfig(ClusterRead read) {
        Optional<ClusterConfig> dynamic = read.cluster().config();
        if (dynamic.isEmpty()) {
            return;
        }
        ClusterConfig c = dynamic.get();
        long ttl = c.ttl() != null ? c.ttl() : timing.ttl().toSeconds();
        long loopWait = c.loopWait() != null ? c.loopWait() : timing.loopWait().toSeconds();
        long retry = c.retryTimeout() != null ? c.retryTimeout() : timing.retryTimeout().toSeconds();
        if (ttl != timing.ttl().toSeconds() || loopWait != timing.loopWait().toSeconds()
                || retry != timing.retryTimeout().toSeconds()) {
            try {
                timing = Timing.ofSeconds(ttl, loopWait, retry);
                dcs.setTimeout(timing.retryTimeout());
                LOG.info("Cluster timing now ttl {} s, loop_wait {} s, retry_timeout {} s", ttl, loopWait, retry);
            } catch (IllegalArgumentException e) {
                LOG.warn("Ignoring the config key's timing: {}", e.getMessage());
            }
        }
    }

    private Optional<Long> leaderLeaseRemaining(ClusterRead read) {
        Optional<String> leader = read.cluster().leader();
        // Read whether or not this node streams from it now: one that left a leader whose lease was ending
        // must not come back until the lease is renewed.
        if (leader.isEmpty() || leader.get().equals(config.name()) || read.leaderLease() == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(dcs.remainingTtl(read.leaderLease()));
        } catch (DcsException e) {
            return Optional.empty();
        }
    }

    private long maximumLagOnFailover(Optional<ClusterRead> read) {
        return read.flatMap(r -> r.cluster().config()).map(ClusterConfig::maximumLagOnFailover)
                .orElse(config.bootstrap().dcs().maximumLagOnFailover());
    }

    private SyncMode syncMode(Optional<ClusterRead> read) {
        return read.map(r -> syncMode(r.cluster())).orElse(SyncMode.OFF);
    }

    private static SyncMode syncMode(PatroniCluster cluster) {
        return SyncMode.of(cluster);
    }

    private boolean syncStrict(PatroniCluster cluster) {
        Object value = cluster.config().map(c -> c.other().get("synchronous_mode_strict")).orElse(null);
        return value != null && SyncMode.parse(value) != SyncMode.OFF;
    }

    private LocalState observeLocal() {
        if (!postgres.hasDataDirectory()) {
            return LocalState.noData();
        }
        boolean stoppedByAgent = postgres.stoppedByAgent();
        if (postgres.isRunning()) {
            Optional<PostgresState> state = postgres.state();
            lastState = state;
            if (state.isPresent()) {
                PostgresState s = state.get();
                return new LocalState(true, true, true, s.inRecovery(), s.timeline(), s.walLsn(),
                        s.inRecovery() ? following : null, false, false,
                        s.replayed() == null ? 0 : s.replayed().timeline(), s.replayed() == null ? 0 : s.replayed().lsn());
            }
            boolean standby = java.nio.file.Files.exists(config.postgresql().dataDir().resolve("standby.signal"));
            return new LocalState(true, true, false, standby, 0, 0, standby ? following : null);
        }
        try {
            ControlData control = postgres.controlData();
            boolean recovery = control.state().contains("recovery");
            long timeline = Math.max(Math.max(control.checkpointTimeline(), control.minRecoveryEndTimeline()),
                    recovery ? postgres.newestHistoryTimeline() : 0);
            long lsn = Math.max(control.checkpointLsn(), control.minRecoveryEndLsn());
            return new LocalState(true, false, false, recovery, timeline, lsn, null, !control.cleanlyShutDown(),
                    stoppedByAgent);
        } catch (PostgresException e) {
            LOG.warn("Cannot read pg_control: {}", e.getMessage());
            return new LocalState(true, false, false, true, 0, 0, null);
        }
    }

    // ---- actions ----

    private void execute(Action action, PatroniCluster cluster, LocalState local) {
        if (!(action instanceof Action.StartPrimary)) {
            crashedSinceNanos = 0;
        }
        if (action instanceof Action.Initialize) {
            initialize();
        } else if (action instanceof Action.Clone c) {
            cloneFrom(cluster, c.source());
        } else if (action instanceof Action.StartStandby s) {
            startStandby(cluster, s.leader());
        } else if (action instanceof Action.Follow f) {
            follow(cluster, f.leader());
        } else if (action instanceof Action.Detach) {
            detach();
        } else if (action instanceof Action.Rewind r) {
            rewind(cluster, r.leader());
        } else if (action instanceof Action.Demote d) {
            demote(d, cluster);
        } else if (action instanceof Action.Promote) {
            promote(cluster);
        } else if (action instanceof Action.StartPrimary) {
            startPrimary(cluster);
        } else if (action instanceof Action.ReleaseKey r) {
            releaseKey(r.reason());
        } else if (action instanceof Action.Reacquire) {
            reacquire(cluster, local);
        } else if (action instanceof Action.Lead) {
            lead(cluster, local);
        } else if (action instanceof Action.Elect) {
            elect(cluster, local);
        } else if (action instanceof Action.Switchover h) {
            switchover(cluster, local, h.candidate());
        } else if (action instanceof Action.TakeOver) {
            takeOver(cluster, local, routerDrain.current().filter(d -> d.candidate().equals(config.name())));
        } else if (action instanceof Action.AwaitHandover h) {
            awaitHandover(cluster, local, h.leader());
        } else if (action instanceof Action.ClearFailover c) {
            clearFailover(c.reason());
        } else if (action instanceof Action.Replicate && isNamedCandidate(cluster)) {
            prepareToLead(cluster);
        } // Wait, Replicate: nothing beyond the member key
    }

    private void initialize() {
        PatroniKeys keys = dcs.keys();
        if (!dcs.create(keys.initialize(), "")) {
            LOG.info("Another member is initializing the cluster");
            return;
        }
        LOG.info("Won the initialize key: running initdb");
        try {
            postgres.initdb(config.bootstrap().initdb());
            postgres.configure(clusterParameters(null));
            postgres.configurePrimary();
            following = null;
            postgres.start(startTimeout());
            callbacks.started(Callbacks.PRIMARY);
            postgres.createUsers();
        } catch (PostgresException e) {
            LOG.error("Bootstrap failed, giving the initialize key back: {}", e.getMessage());
            postgres.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30));
            postgres.removeDataDirectory();
            dcs.delete(keys.initialize());
            throw e;
        }
        if (!takeKey()) {
            throw new IllegalStateException("could not take the leader key after bootstrapping");
        }
        dcs.put(keys.config(), json.writeConfig(bootstrapConfig()));
        dcs.put(keys.initialize(), postgres.systemIdentifier());
        dcs.put(keys.history(), "[]");
        events.electionWon();
        LOG.info("Cluster {} initialized; {} is the leader", config.scope(), config.name());
    }

    private ClusterConfig bootstrapConfig() {
        AgentConfig.Dcs b = config.bootstrap().dcs();
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("synchronous_mode", b.synchronousMode());
        if (b.synchronousModeStrict()) {
            other.put("synchronous_mode_strict", true);
        }
        other.put("postgresql", b.postgresql());
        return new ClusterConfig(b.ttl() != null ? b.ttl() : config.ttl(),
                b.loopWait() != null ? b.loopWait() : config.loopWait(),
                b.retryTimeout() != null ? b.retryTimeout() : config.retryTimeout(),
                b.maximumLagOnFailover(), false, other);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> clusterParameters(PatroniCluster cluster) {
        Map<String, Object> postgresql = cluster != null && cluster.config().isPresent()
                ? (Map<String, Object>) cluster.config().get().other().getOrDefault("postgresql", Map.of())
                : config.bootstrap().dcs().postgresql();
        Object parameters = postgresql == null ? null : postgresql.get("parameters");
        return parameters instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    private void cloneFrom(PatroniCluster cluster, String source) {
        MemberData data = cluster.members().get(source);
        ConnUrl from = data.address();
        publishState("creating replica", "replica");
        LOG.info("Cloning from {} ({}:{}) with pg_basebackup", source, from.host(), from.port());
        postgres.basebackup(from.host(), from.port());
        startStandby(cluster, cluster.leader().orElse(null));
    }

    private void startStandby(PatroniCluster cluster, String leader) {
        postgres.configure(clusterParameters(cluster));
        pointAt(cluster, leader);
        boolean wasRunning = postgres.isRunning();
        postgres.start(startTimeout());
        if (!wasRunning) {
            callbacks.started(Callbacks.REPLICA);
        }
    }

    private void pointAt(PatroniCluster cluster, String leader) {
        if (leader == null || cluster.members().get(leader) == null) {
            postgres.configureStandby(null, 0, false);
            following = null;
        } else {
            ConnUrl url = cluster.members().get(leader).address();
            postgres.configureStandby(url.host(), url.port(), true);
            following = url.host() + ":" + url.port();
        }
    }

    private void follow(PatroniCluster cluster, String leader) {
        pointAt(cluster, leader);
        postgres.reload();
    }

    private void detach() {
        postgres.configureStandby(null, 0, false);
        following = null;
        postgres.reload();
    }

    private void rewind(PatroniCluster cluster, String leader) {
        ConnUrl url = cluster.members().get(leader).address();
        postgres.prepareRewindSource(url.host(), url.port()); // before stopping: a failure changes nothing here
        if (postgres.isRunning()) {
            LOG.info("Stopping PostgreSQL: its WAL went past the fork of {}'s timeline", leader);
            postgres.stop(StopMode.FAST, Duration.ofSeconds(60));
            callbacks.stopped(Callbacks.REPLICA);
        }
        publishState("rewinding", "replica");
        RewindResult result = postgres.rewind(url.host(), url.port());
        if (!result.succeeded()) {
            if (config.postgresql().removeDataDirectoryOnRewindFailure()) {
                LOG.warn("pg_rewind from {} failed; removing the data directory to clone again:\n{}", leader, result.output());
                postgres.removeDataDirectory();
                return;
            }
            LOG.error("pg_rewind from {} failed and remove_data_directory_on_rewind_failure is off:\n{}", leader, result.output());
            return;
        }
        LOG.info("Rewound from {}", leader);
        startStandby(cluster, leader);
    }

    private void demote(Action.Demote demote, PatroniCluster cluster) {
        boolean heldKey = cluster != null && cluster.leader().map(config.name()::equals).orElse(false);
        boolean wasRunning = postgres.isRunning();
        postgres.stop(demote.immediate() ? StopMode.IMMEDIATE : StopMode.FAST, timing.retryTimeout());
        if (wasRunning) {
            callbacks.stopped(Callbacks.PRIMARY);
        }
        runsAsPrimary = false;
        watchdog.disarm();
        events.demoted(demote.immediate() ? "lease" : "leader_elsewhere");
        if (heldKey) {
            releaseKey("demoted");
        }
    }

    private void releaseKey(String reason) {
        watchdog.disarm();
        try {
            if (dcs.releaseLeader()) {
                LOG.info("Released the leader key: {}", reason);
            }
        } catch (DcsException e) {
            LOG.warn("Could not release the leader key: {}", e.getMessage());
        }
    }

    private void startPrimary(PatroniCluster cluster) {
        long now = System.nanoTime();
        if (crashedSinceNanos == 0) {
            crashedSinceNanos = now;
            LOG.warn("PostgreSQL is down on the leader: restarting it in place");
        }
        Duration left = Duration.ofSeconds(config.postgresql().primaryStartTimeout()).minusNanos(now - crashedSinceNanos);
        if (left.isNegative() || left.isZero()) {
            LOG.error("PostgreSQL did not come back within primary_start_timeout ({} s): giving up the leader key",
                    config.postgresql().primaryStartTimeout());
            postgres.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10));
            releaseKey("PostgreSQL did not restart in time");
            crashedSinceNanos = 0;
            return;
        }
        postgres.configure(clusterParameters(cluster));
        postgres.configurePrimary();
        following = null;
        try {
            runsAsPrimary = true;
            postgres.start(left);
            callbacks.started(Callbacks.PRIMARY);
            crashedSinceNanos = 0;
        } catch (PostgresException e) {
            LOG.warn("Restart of the primary failed: {}", e.getMessage());
        }
    }

    private void reacquire(PatroniCluster cluster, LocalState local) {
        if (takeKey()) {
            LOG.warn("Took the leader key again (it was gone while this node ran the primary)");
            restoreClusterKeys(cluster, local);
        }
    }

    private void restoreHistory(List<HistoryEntry> previous) {
        try {
            dcs.putIfLeader(dcs.keys().history(), json.writeHistory(previous));
            lastHistory = List.copyOf(previous);
        } catch (DcsException e) {
            LOG.warn("Could not restore the history key: {}", e.getMessage());
        }
    }

    /**
     * Arms the watchdog, renews the lease, then creates the leader key on it. Creating a key does not
     * extend a lease: the renew deadline counts from the renewal sent just before, never from the
     * transaction. False (watchdog disarmed) when any step fails or someone else holds the key.
     */
    private boolean takeKey() {
        return takeKey(Map.of());
    }

    /** As {@link #takeKey()}, writing {@code along} in the transaction that creates the key. */
    private boolean takeKey(Map<String, String> along) {
        if (!watchdog.arm(timing.ttl())) {
            return false;
        }
        // A lease renewed within the last half loop (the lease keeper's own rhythm) needs no renewal of its
        // own first: the renew deadline counts from that renewal, and a switchover saves a round trip.
        boolean fresh = leaseKeeper.sinceRenewal().compareTo(timing.loopWait().dividedBy(2)) < 0;
        long sent = System.nanoTime();
        long lease = dcs.ensureLease(timing.ttl());
        if (!fresh && !dcs.keepAlive() || !dcs.acquireLeader(lease, along)) {
            watchdog.disarm();
            return false;
        }
        if (!fresh) {
            leaseKeeper.confirmed(sent);
        }
        return true;
    }

    /** After etcd was wiped: the leader writes back what it knew of config, initialize and history. */
    private void restoreClusterKeys(PatroniCluster cluster, LocalState local) {
        PatroniKeys keys = dcs.keys();
        if (cluster.config().isEmpty()) {
            dcs.create(keys.config(), json.writeConfig(lastConfig != null ? lastConfig : bootstrapConfig()));
        }
        if (cluster.initialize().isEmpty()) {
            dcs.create(keys.initialize(), lastInitialize != null ? lastInitialize : postgres.systemIdentifier());
        }
        if (cluster.history().isEmpty()) {
            dcs.create(keys.history(), json.writeHistory(lastHistory));
        }
    }

    private void elect(PatroniCluster cluster, LocalState local) {
        // Everyone seen lately, not only who has a key now: after etcd was wiped the running primary has
        // no member key for a moment, and must still be heard before anyone races it for the leader key.
        Map<String, MemberData> others = new LinkedHashMap<>();
        recentMembers.forEach((name, member) -> others.put(name, member.data()));
        others.putAll(cluster.members());
        others.remove(config.name());
        boolean syncGated = syncMode(cluster) != SyncMode.OFF
                && cluster.sync().isPresent();
        // With synchronous replication, only the last leader and its synchronous standbys may be compared:
        // an asynchronous member that is ahead cannot run, and must not make the others step back.
        // Nor may a member behind the cluster's history: it cannot run, so it must not hold the others back.
        long historyTimeline = cluster.historyTimeline();
        List<PeerReport> reports = peers.ask(others).stream()
                .map(r -> syncGated && !cluster.sync().get().matches(r.name())
                        || r.timeline() > 0 && historyTimeline > 0 && r.timeline() < historyTimeline ? r.ineligible() : r)
                .toList();
        PeerReport me = new PeerReport(config.name(), true, false, true, local.lsn(), config.tags().failoverPriority());
        Set<String> quorumMembers = Set.of();
        int quorum = 1;
        if (syncMode(cluster) == SyncMode.QUORUM && cluster.sync().isPresent()) {
            quorumMembers = new TreeSet<>(cluster.sync().get().syncStandbys());
            quorum = Objects.requireNonNullElse(cluster.sync().get().quorum(), 1);
        }
        Optional<String> whyNot = Election.whyNotMe(me, reports, quorumMembers, quorum);
        if (whyNot.isPresent()) {
            LOG.info("Not running for leader: {}", whyNot.get());
            return;
        }
        if (!takeKey()) {
            LOG.info("Another member took the leader key first");
            return;
        }
        events.electionWon();
        LOG.info("Won the election at {}: promoting", io.pgwarden.discovery.patroni.Lsn.format(local.lsn()));
        dcs.put(dcs.keys().failover(), json.noFailover());
        promote(cluster);
    }

    // ---- switchover ----

    /**
     * Hands the primary over without failing a transaction: the routers stop starting transactions here
     * and let those in flight finish (or the drain timeout pass), then PostgreSQL stops cleanly (its
     * standbys receive the shutdown checkpoint), the key is released, and the candidate takes it once it
     * has received WAL past that checkpoint. Patroni stops the primary without asking anyone.
     */
    private void switchover(PatroniCluster cluster, LocalState local, String requested) {
        String candidate = requested != null ? requested : bestCandidate(cluster).orElse(null);
        Optional<String> refused = candidate == null ? Optional.of("no member can take over")
                : whyNotSwitchTo(cluster, candidate);
        if (refused.isPresent()) {
            LOG.warn("Switchover refused: {}", refused.get());
            clearFailover(refused.get());
            return;
        }
        if (requested == null) {
            dcs.put(dcs.keys().failover(), json.writeFailover(new Failover(config.name(), candidate, null, true)));
        }
        LOG.info("Switchover to {}: new WAL segment and checkpoint, then drain the routers", candidate);
        postgres.prepareForSwitchover();
        Drain drain = new Drain(java.util.UUID.randomUUID().toString(), config.name(), candidate,
                drainTimeout(cluster).toMillis(), null);
        long lease = dcs.lease();
        boolean handedOver = false;
        try {
            handedOver = drainAndStop(cluster, drain, lease);
        } finally {
            if (!handedOver) {
                LOG.warn("Switchover to {} did not happen: routers may send work here again", candidate);
                routerDrain.clear();
                clearFailover("the switchover to " + candidate + " did not complete");
            }
        }
    }

    /** True once PostgreSQL is stopped and the key released for the candidate. */
    private boolean drainAndStop(PatroniCluster cluster, Drain drain, long lease) {
        String candidate = drain.candidate();
        RouterDrain.Outcome drained = routerDrain.run(drain, lease);
        if (drained.timedOut()) {
            LOG.warn("Drain timed out after {} ms: routers {} of {} answered; stopping anyway",
                    drained.took().toMillis(), drained.drained(), drained.routers());
        } else {
            LOG.info("Routers {} drained in {} ms", drained.routers(), drained.took().toMillis());
        }
        if (leaseKeeper.sinceRenewal().compareTo(timing.renewDeadline()) >= 0) {
            return false; // the lease may be ending: the loop demotes as usual
        }
        long lsn = postgres.shutDownForSwitchover(timing.retryTimeout());
        runsAsPrimary = false;
        watchdog.disarm();
        callbacks.stopped(Callbacks.PRIMARY);
        events.demoted("switchover");
        if (!routerDrain.releaseStopped(drain, lsn, lease, json.writeStatus(Status.of(lsn)))) {
            LOG.warn("Lost the leader key while stopping for the switchover");
            return false; // stopped: the loop goes on as for any node without the key
        }
        LOG.info("Released the leader key: switchover to {} (stopped at {})", candidate,
                io.pgwarden.discovery.patroni.Lsn.format(lsn));
        try {
            // Cleanly stopped at a checkpoint the candidate has: no rewind, and one more standby for the
            // new primary at once, instead of a loop later.
            postgres.awaitStopped(timing.retryTimeout());
            startStandby(cluster, candidate);
        } catch (PostgresException e) {
            LOG.warn("Could not start as a standby of {} yet: {}", candidate, e.getMessage());
        }
        return true;
    }

    /** The reachable, promotable member furthest ahead (in synchronous mode: a synchronous standby). */
    private Optional<String> bestCandidate(PatroniCluster cluster) {
        Map<String, MemberData> others = new LinkedHashMap<>(cluster.members());
        others.remove(config.name());
        return peers.ask(others).stream()
                .filter(r -> r.reachable() && r.eligible() && !r.runningPrimary())
                .filter(r -> whyNotSwitchTo(cluster, r.name()).isEmpty())
                .max(java.util.Comparator.comparingLong(PeerReport::lsn))
                .map(PeerReport::name);
    }

    private Optional<String> whyNotSwitchTo(PatroniCluster cluster, String candidate) {
        MemberData member = cluster.members().get(candidate);
        if (member == null) {
            return Optional.of("candidate " + candidate + " is not a member");
        }
        if (!"running".equals(member.state())) {
            return Optional.of("candidate " + candidate + " is not running (" + member.state() + ")");
        }
        if (member.tag("nofailover")) {
            return Optional.of("candidate " + candidate + " is tagged nofailover");
        }
        if (syncMode(cluster) != SyncMode.OFF && !cluster.sync().map(s -> s.matches(candidate)).orElse(false)) {
            return Optional.of("candidate " + candidate + " is not a synchronous standby");
        }
        PeerReport report = peers.ask(Map.of(candidate, member)).get(0);
        if (!report.reachable()) {
            return Optional.of("candidate " + candidate + " does not answer on its REST API");
        }
        if (!report.eligible() || report.runningPrimary()) {
            return Optional.of("candidate " + candidate + " says it cannot be promoted");
        }
        return Optional.empty();
    }

    /**
     * The candidate's side: wait until the WAL up to the old leader's shutdown checkpoint is here, then
     * take the key (no election: the old leader chose), clear the request, and promote.
     */
    private void takeOver(PatroniCluster cluster, LocalState local, Optional<Drain> drain) {
        try (HeldConnection held = postgres.hold()) {
            takeOver(cluster, local, drain, held);
        }
    }

    private void takeOver(PatroniCluster cluster, LocalState local, Optional<Drain> drain, HeldConnection held) {
        Long last = drain.map(Drain::lastLsn).orElse(null);
        if (last != null && !postgres.awaitReceivedPast(last, timing.retryTimeout(), held)) {
            clearFailover("WAL past the old leader's shutdown checkpoint "
                    + io.pgwarden.discovery.patroni.Lsn.format(last) + " did not arrive within retry_timeout");
            return;
        }
        // The new timeline's history and (in synchronous mode) a sync key naming nobody go in with the
        // leader key itself: one round trip, and neither can exist without the other.
        List<HistoryEntry> history = nextHistory(cluster, local);
        Map<String, String> along = new LinkedHashMap<>();
        along.put(dcs.keys().history(), json.writeHistory(history));
        SyncMode mode = syncMode(cluster);
        if (mode != SyncMode.OFF) {
            along.put(dcs.keys().sync(), json.writeSync(new SyncState(config.name(), null, mode == SyncMode.QUORUM ? 1 : null)));
        }
        if (!takeKey(along)) {
            LOG.info("Another member took the leader key first");
            return;
        }
        events.electionWon();
        LOG.info("Took the leader key as the switchover's candidate: promoting");
        // The routers hold work until drain is gone: release them the moment this node is writable.
        promote(cluster, local, history, () -> drain.ifPresent(d -> routerDrain.clear()), held);
        dcs.put(dcs.keys().failover(), json.noFailover());
    }

    private boolean isNamedCandidate(PatroniCluster cluster) {
        return cluster.failover().map(f -> f.coordinatedTo(config.name())).orElse(false);
    }

    /**
     * The named candidate, still a standby: the other members' slots now (the others start streaming
     * from here before the promotion), and in synchronous mode '*' (it does nothing on a standby, and a
     * new primary needs it from its first commit) — two steps fewer once the key is here.
     */
    private void prepareToLead(PatroniCluster cluster) {
        Set<String> existing = postgres.physicalSlots();
        for (String member : cluster.members().keySet()) {
            String slot = PostgresServer.slotName(member);
            if (!member.equals(config.name()) && !existing.contains(slot)) {
                postgres.createPhysicalSlot(slot);
                LOG.info("Created replication slot {} ahead of the switchover", slot);
            }
        }
        if (syncMode(cluster) != SyncMode.OFF) {
            setStandbyNames("*");
        }
    }

    /**
     * The named candidate while the leader drains: ready itself, then follows etcd with a watch of its
     * own (a loop would cost a wake-up, a read and a look at PostgreSQL) until the leader has stopped and
     * released the key — then takes over at once. Returns to the loop when the request goes away, another
     * node takes the key, or the leader takes longer than a drain and a stop may.
     */
    private void awaitHandover(PatroniCluster cluster, LocalState local, String leader) {
        prepareToLead(cluster);
        try (HeldConnection held = postgres.hold()) {
            awaitHandover(cluster, local, leader, held);
        }
    }

    private void awaitHandover(PatroniCluster cluster, LocalState local, String leader, HeldConnection held) {
        Duration limit = drainTimeout(cluster).plus(timing.retryTimeout().multipliedBy(2));
        RouterDrain.Snapshot now = routerDrain.awaitRelease(leader, config.name(), limit);
        boolean stillNamed = now.cluster().failover()
                .map(f -> f.coordinatedTo(config.name())).orElse(false);
        if (stillNamed && now.cluster().leader().isEmpty()) {
            Optional<Drain> drain = now.drain().filter(d -> d.candidate().equals(config.name()) && d.lastLsn() != null);
            if (drain.isPresent()) {
                takeOver(now.cluster(), local, drain, held);
            }
            // released without a drain: the loop decides, with every check of an election
        }
        // otherwise the request went away, another node took the key, or the leader took too long
    }

    private void clearFailover(String reason) {
        LOG.warn("Clearing the switchover request: {}", reason);
        dcs.put(dcs.keys().failover(), json.noFailover());
    }

    private Duration drainTimeout(PatroniCluster cluster) {
        Object value = cluster.config().map(c -> c.other().get("drain_timeout")).orElse(null);
        try {
            double seconds = value == null ? DEFAULT_DRAIN_TIMEOUT_SECONDS : Double.parseDouble(value.toString());
            return Duration.ofMillis(Math.max(1, (long) (seconds * 1000)));
        } catch (NumberFormatException e) {
            return Duration.ofMillis((long) (DEFAULT_DRAIN_TIMEOUT_SECONDS * 1000));
        }
    }

    /**
     * Promotes while holding the key. The new timeline goes into {@code history} before PostgreSQL is
     * promoted, so from the moment anyone could see this node writable, a node on the old timeline is
     * already refused by the history check (Patroni 3.1 writes it afterwards, leaving a window).
     */
    private void promote(PatroniCluster cluster) {
        promote(cluster, observeLocal(), null, () -> { }, null);
    }

    /** {@code history} with this node's new timeline: what goes into etcd before it is promoted. */
    private List<HistoryEntry> nextHistory(PatroniCluster cluster, LocalState before) {
        long oldTimeline = before.timeline();
        List<HistoryEntry> history = new ArrayList<>(cluster.history().orElse(lastHistory));
        history.removeIf(h -> h.timeline() >= oldTimeline);
        history.add(new HistoryEntry(oldTimeline, before.lsn(), "no recovery target specified",
                Optional.of(OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)),
                Optional.of(config.name())));
        return history;
    }

    /**
     * @param before       this node's state just before (its timeline and position go into history)
     * @param written      the history already written with the leader key (and the sync key with it);
     *                     null: write them here
     * @param whenWritable runs right after PostgreSQL left recovery, before the bookkeeping
     */
    private void promote(PatroniCluster cluster, LocalState before, List<HistoryEntry> written, Runnable whenWritable,
                         HeldConnection held) {
        long oldTimeline = before.timeline();
        List<HistoryEntry> history = written != null ? new ArrayList<>(written) : nextHistory(cluster, before);
        if (written == null && !dcs.putIfLeader(dcs.keys().history(), json.writeHistory(history))) {
            LOG.warn("Lost the leader key before promoting; not promoting");
            return;
        }
        List<HistoryEntry> previous = cluster.history().orElse(lastHistory);
        lastHistory = List.copyOf(history);
        boolean promoted = false;
        try {
            SyncMode mode = syncMode(cluster);
            if (mode != SyncMode.OFF) {
                // From its first commit on, the new primary waits for a standby (any, until the next loop
                // picks one): no write is acknowledged by this node alone while the sync key is being set.
                try {
                    setStandbyNames("*");
                    if (written == null) {
                        writeSync(Set.of(), mode == SyncMode.QUORUM ? 1 : null);
                    }
                } catch (PostgresException | DcsException e) {
                    LOG.warn("Could not require a synchronous standby before promoting; not promoting yet: {}",
                            e.getMessage());
                    return;
                }
            }
            runsAsPrimary = true; // the fence watches it from the first moment it may be writable
            postgres.promotePromptly(timing.retryTimeout().plusSeconds(20), held);
            promoted = true;
            whenWritable.run();
            callbacks.promoted();
        } finally {
            if (!promoted) {
                // The new timeline never came: its history line would leave every node "behind" for good.
                restoreHistory(previous);
            }
        }
        following = null;
        events.promoted();
        Optional<PostgresState> after = postgres.state();
        postgres.timelineSwitchPoint(oldTimeline + 1).ifPresent(switchPoint -> {
            if (switchPoint != before.lsn()) {
                history.set(history.size() - 1, new HistoryEntry(oldTimeline, switchPoint, history.get(history.size() - 1).reason(),
                        history.get(history.size() - 1).timestamp(), history.get(history.size() - 1).newLeader()));
                dcs.putIfLeader(dcs.keys().history(), json.writeHistory(history));
                lastHistory = List.copyOf(history);
            }
        });
        after.ifPresent(s -> {
            dcs.putIfLeader(dcs.keys().status(), json.writeStatus(Status.of(s.walLsn())));
            LOG.info("Promoted: timeline {} at {}", s.timeline(), io.pgwarden.discovery.patroni.Lsn.format(s.walLsn()));
        });
    }

    private void lead(PatroniCluster cluster, LocalState local) {
        PatroniKeys keys = dcs.keys();
        dcs.putIfLeader(keys.status(), json.writeStatus(Status.of(local.lsn())));
        restoreClusterKeys(cluster, local);
        manageSlots(cluster);
        manageSync(cluster);
    }

    private void manageSlots(PatroniCluster cluster) {
        long now = System.nanoTime();
        Set<String> wanted = new TreeSet<>();
        for (String member : cluster.members().keySet()) {
            if (!member.equals(config.name())) {
                memberLastSeen.put(member, now);
            }
        }
        memberLastSeen.forEach((member, seen) -> {
            if (now - seen < SLOT_KEEP.toNanos()) {
                wanted.add(PostgresServer.slotName(member));
            }
        });
        memberLastSeen.values().removeIf(seen -> now - seen >= SLOT_KEEP.toNanos());
        Set<String> existing = postgres.physicalSlots();
        for (String slot : wanted) {
            if (!existing.contains(slot)) {
                postgres.createPhysicalSlot(slot);
                LOG.info("Created replication slot {}", slot);
            }
        }
        for (String slot : existing) {
            if (!wanted.contains(slot)) {
                postgres.dropSlot(slot);
                LOG.info("Dropped replication slot {} (member gone for {} min)", slot, SLOT_KEEP.toMinutes());
            }
        }
    }

    private void manageSync(PatroniCluster cluster) {
        SyncMode mode = syncMode(cluster);
        Set<String> keyNow = cluster.sync().filter(s -> config.name().equals(s.leader()))
                .map(s -> (Set<String>) new TreeSet<>(s.syncStandbys())).orElse(Set.of());
        if (mode == SyncMode.OFF && cluster.sync().isEmpty()) {
            setStandbyNames("");
            return;
        }
        List<SyncPlanner.Standby> standbys = new ArrayList<>();
        lastReplication = postgres.replication();
        for (ReplicationRow row : lastReplication) {
            MemberData member = cluster.members().get(row.applicationName());
            boolean eligible = member != null && !member.tag("nosync");
            standbys.add(new SyncPlanner.Standby(row.applicationName(), "streaming".equals(row.state()),
                    "sync".equals(row.syncState()) || "quorum".equals(row.syncState()), eligible));
        }
        SyncPlan plan = SyncPlanner.plan(mode, syncStrict(cluster), keyNow, standbys);
        if (mode == SyncMode.OFF) {
            setStandbyNames("");
            dcs.delete(dcs.keys().sync());
            return;
        }
        if (plan.keyBefore() != null) {
            writeSync(plan.keyBefore(), plan.quorum());
        } else if (cluster.sync().isEmpty() || !config.name().equals(cluster.sync().get().leader())) {
            // No key of ours yet (synchronous mode just turned on, or etcd was wiped): claim it naming
            // nobody before any standby may acknowledge, so nobody is promotable meanwhile.
            writeSync(keyNow, plan.quorum());
        }
        if (setStandbyNames(plan.standbyNames())) {
            return; // widen the key next loop, once the new setting is in force
        }
        if (plan.keyAfter() != null) {
            writeSync(plan.keyAfter(), plan.quorum());
        }
    }

    /** True if it changed the setting. */
    private boolean setStandbyNames(String value) {
        if (value.equals(standbyNames)) {
            return false;
        }
        postgres.setSynchronousStandbyNames(value);
        LOG.info("synchronous_standby_names = '{}'", value);
        standbyNames = value;
        return true;
    }

    private void writeSync(Set<String> standbys, Integer quorum) {
        String names = standbys.isEmpty() ? null : String.join(",", standbys);
        dcs.putIfLeader(dcs.keys().sync(), json.writeSync(new SyncState(config.name(), names, quorum)));
        LOG.info("sync key: standbys {}", standbys);
    }

    // ---- member key ----

    private void publishMember(LocalState local) {
        String role = local.runningPrimary() ? "primary" : "replica";
        publish(local, memberState(local), role);
    }

    private void publishState(String state, String role) {
        publish(observeLocal(), state, role);
    }

    private void publish(LocalState local, String state, String role) {
        long lease = dcs.lease();
        if (lease == 0) {
            return;
        }
        AgentConfig.Postgresql pg = config.postgresql();
        Map<String, Object> tags = config.tags().asMemberTags();
        Long xlog = null;
        Long receive = null;
        Long replay = null;
        String replicationState = null;
        boolean pendingRestart = local.answering() && lastState.map(PostgresState::pendingRestart).orElse(false);
        if (local.answering() && local.runningPrimary()) {
            xlog = local.lsn();
        } else if (local.answering()) {
            Optional<PostgresState> s = lastState;
            if (s.isPresent()) {
                receive = s.get().receiveLsn();
                replay = s.get().replayLsn();
                replicationState = s.get().replicationState();
                xlog = local.lsn();
            }
        }
        MemberData member = new MemberData("postgres://" + pg.connectAddress() + "/postgres", null,
                config.restapi().apiUrl(), null, state, role, VERSION, xlog, replay, receive, replicationState,
                local.timeline() > 0 ? local.timeline() : null, tags.isEmpty() ? null : tags, null, pendingRestart, null,
                paused);
        try {
            dcs.putOnLease(dcs.keys().member(config.name()), json.writeMember(member), lease);
        } catch (DcsException e) {
            LOG.debug("Could not write the member key: {}", e.getMessage());
        }
    }

    private Duration startTimeout() {
        return Duration.ofSeconds(Math.max(30, config.postgresql().primaryStartTimeout()));
    }

    private void sleepUntilWoken(long startedNanos) {
        long waitNanos = timing.loopWait().toNanos() - (System.nanoTime() - startedNanos);
        wakeLock.lock();
        try {
            while (!woken && !stopping && waitNanos > 0) {
                waitNanos = wakeUp.awaitNanos(waitNanos);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        } finally {
            wakeLock.unlock();
        }
    }
}
