package io.pgwarden.discovery.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.pgwarden.discovery.Switchover;
import io.pgwarden.discovery.drain.DrainJson;
import io.pgwarden.discovery.drain.DrainKeys;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.TopologySource;
import io.pgwarden.discovery.patroni.ClusterConfig;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.discovery.patroni.PatroniTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Follows one Patroni cluster in etcd (v3 API) and publishes a {@link Topology} whenever what it
 * shows changes.
 *
 * <p>How it reads: a linearizable range read of the cluster's prefix, then one watch on the prefix
 * from the read's revision + 1, so a change reaches listeners within milliseconds. On top, a
 * linearizable read of the prefix every {@code checkInterval}: it replaces the local copy when it is
 * newer than what the watch delivered, and it is what proves etcd reachable. When the watch fails or
 * ends (compaction, a stream error, a reconnect), it is dropped and the prefix re-listed, and a new
 * watch starts from the new revision.
 *
 * <p>A new store: when etcd is wiped or replaced at the same address, revisions start again from 1,
 * and a watch resumed from our old revision would wait for a future that may never come while reads
 * look older than what we hold. A read that comes from another cluster id, or that was sent after we
 * applied revision R and answers below R (impossible for a linearizable read of one store), shows a
 * new store: the remembered revision is dropped, the read's listing replaces everything and a new
 * watch starts from its revision. A watch answered by another cluster id is dropped and leads to such
 * a read; so does a watch that etcd ends for any reason (a future or compacted revision among them).
 *
 * <p>Isolation: reachability counts only linearizable reads (they need the etcd leader and a quorum;
 * a watch can stay quiet forever on a partitioned etcd member), and a read counts from the moment it
 * was sent. When no read sent in the last {@code isolationTimeout} has succeeded, a timer publishes the
 * snapshot with {@code dcsReachable=false} — also when etcd hangs, since every call has a timeout.
 * The next successful read makes it reachable again.
 *
 * <p>Threads: all state lives on one scheduler thread; jetcd's threads only hand results over to it.
 * Listeners are called on one other thread, one snapshot at a time, in order, so a slow listener
 * delays other listeners but never the reads or the isolation timer.
 */
public final class EtcdTopologySource implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(EtcdTopologySource.class);

    /** How long {@link #addListener} and {@link #start()} wait for the listener thread. */
    private static final Duration DELIVERY_WAIT = Duration.ofSeconds(10);
    /** Scheduled switchovers closer than this get a timer of their own, so they become due on time. */
    private static final Duration SWITCHOVER_TIMER_HORIZON = Duration.ofDays(1);

    private final EtcdSourceSettings settings;
    private final PatroniKeys keys;
    private final ByteSequence prefix;
    private final Client client;
    private final boolean ownsClient;
    private final Clock clock;
    private final PatroniJson json = new PatroniJson();
    private final DrainJson drainJson = new DrainJson();
    private final DrainKeys drainKeys;
    private final EtcdProblemLog problems;
    private final long isolationNanos;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService publisher;
    private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstRead = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Topology current;
    private volatile Thread publisherThread;

    // Confined to the scheduler thread.
    private final Map<String, String> kvs = new TreeMap<>();
    private long revision; // 0 until a read was applied
    private long clusterId; // of the store that revision counts in
    private long storeEpoch; // bumped whenever a new store is adopted
    private Watch.Watcher watcher;
    private long watchGeneration;
    private boolean readInFlight;
    private boolean everRead;
    private long lastSuccessNanos;
    private boolean reachable;
    private String lastError; // since the last successful read
    private ScheduledFuture<?> isolationTimer;
    private ScheduledFuture<?> switchoverTimer;
    private ScheduledFuture<?> earlyRead;
    private ScheduledFuture<?> ticker;
    private List<String> reportedProblems = List.of();
    private Duration warnedTtl;

    // Confined to the publisher thread.
    private Topology delivered;

    /**
     * Follows the cluster through a client of its own (TLS and user as {@code settings.access()} says),
     * closed with this source.
     *
     * @throws EtcdConfigException if a TLS file cannot be used
     */
    public EtcdTopologySource(EtcdSourceSettings settings) {
        this(settings, EtcdClients.builder(settings.access())
                .retryMaxDuration(settings.isolationTimeout())
                .build(), true, Clock.systemUTC());
    }

    /** Follows the cluster through {@code client}, which the caller keeps and closes. */
    public EtcdTopologySource(EtcdSourceSettings settings, Client client) {
        this(settings, client, false, Clock.systemUTC());
    }

    EtcdTopologySource(EtcdSourceSettings settings, Client client, boolean ownsClient, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = settings.keys();
        this.drainKeys = new DrainKeys(keys);
        this.prefix = bytes(keys.prefix());
        this.isolationNanos = settings.isolationTimeout().toNanos();
        this.problems = new EtcdProblemLog(settings.access());
        this.current = Topology.unknown(settings.scope());
        String name = "pgwarden-etcd-" + settings.scope();
        ScheduledThreadPoolExecutor stateThread = new ScheduledThreadPoolExecutor(1, r -> daemon(r, name));
        stateThread.setRemoveOnCancelPolicy(true); // cancelled timers must not hold up close()
        this.scheduler = stateThread;
        this.publisher = Executors.newSingleThreadExecutor(r -> {
            Thread t = daemon(r, "pgwarden-topology-" + settings.scope());
            publisherThread = t;
            return t;
        });
    }

    @Override
    public Topology current() {
        return current;
    }

    /**
     * Registers a listener. It receives the current snapshot first, then every later one, all on
     * this source's listener thread; this call returns once the first delivery is done.
     */
    @Override
    public void addListener(TopologyListener listener) {
        Objects.requireNonNull(listener, "listener");
        Future<?> added;
        try {
            added = publisher.submit(() -> {
                listeners.add(listener);
                deliver(listener, delivered != null ? delivered : current);
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("topology source of cluster " + keys.scope() + " is closed", e);
        }
        awaitDelivery(added, "adding a topology listener");
    }

    /**
     * Reads the cluster and starts following it. Returns once the first read has been published, or
     * after the isolation timeout if etcd does not answer (the topology then stays unreachable, and
     * reads go on in the background).
     */
    @Override
    public void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        log.info("Following cluster {} in etcd at {} ({}) under {}; reads every {} ms, unreachable after {} ms",
                keys.scope(), settings.endpoints(), settings.access().security().describe(), keys.prefix(),
                settings.checkInterval().toMillis(), settings.isolationTimeout().toMillis());
        onScheduler(() -> ticker = scheduler.scheduleAtFixedRate(this::tick, 0,
                settings.checkInterval().toNanos(), TimeUnit.NANOSECONDS));
        try {
            if (!firstRead.await(settings.isolationTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("No answer from etcd at {} within {} ms{}; cluster {} stays unreachable until there is one",
                        settings.endpoints(), settings.isolationTimeout().toMillis(),
                        problems.current().map(p -> " (" + p + ")").orElse(""), keys.scope());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (Thread.currentThread() != publisherThread) {
            awaitDelivery(publisher.submit(() -> { }), "delivering the first topology");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            scheduler.submit(() -> {
                cancel(ticker);
                cancel(isolationTimer);
                cancel(switchoverTimer);
                cancel(earlyRead);
                dropWatch();
            }).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("Stopping the etcd watch of cluster {}: {}", keys.scope(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdown();
        publisher.shutdown();
        problems.close();
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
            if (Thread.currentThread() != publisherThread && !publisher.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("A topology listener of cluster {} is still running after close", keys.scope());
                publisher.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listeners.clear();
        if (ownsClient) {
            client.close();
        }
    }

    // ---- reads (scheduler thread) ----

    private void tick() {
        if (!closed && !readInFlight) {
            read();
        }
    }

    private void read() {
        readInFlight = true;
        long sentNanos = System.nanoTime();
        long appliedAtSend = revision;
        long epochAtSend = storeEpoch;
        CompletableFuture<GetResponse> response;
        try {
            response = client.getKVClient()
                    .get(prefix, GetOption.builder().isPrefix(true).withSerializable(false).build());
        } catch (RuntimeException e) {
            readInFlight = false;
            lastError = problems.failed(e).orElse(describe(e));
            log.debug("Reading {} failed at once: {}", keys.prefix(), lastError);
            return;
        }
        response.orTimeout(isolationNanos, TimeUnit.NANOSECONDS)
                .whenComplete((r, e) -> onScheduler(() -> onRead(sentNanos, appliedAtSend, epochAtSend, r, e)));
    }

    private void onRead(long sentNanos, long appliedAtSend, long epochAtSend, GetResponse response, Throwable error) {
        readInFlight = false;
        if (closed) {
            return;
        }
        if (error != null) {
            lastError = problems.failed(error).orElse(describe(error));
            log.debug("Reading {} failed: {}", keys.prefix(), lastError);
            return;
        }
        lastError = null;
        problems.succeeded();
        long now = System.nanoTime();
        long budget = sentNanos + isolationNanos - now; // how long this read keeps etcd reachable
        boolean fresh = budget > 0;
        if (fresh && (!everRead || sentNanos - lastSuccessNanos > 0)) {
            lastSuccessNanos = sentNanos;
            everRead = true;
            armIsolationTimer(budget);
        }
        Response.Header header = response.getHeader();
        long readRevision = header.getRevision();
        String newStore = newStore(header, appliedAtSend, epochAtSend);
        if (newStore != null) {
            log.warn("etcd at {} is a new store ({}): forgetting revision {}, listing {} again at revision {}",
                    settings.endpoints(), newStore, revision, keys.prefix(), readRevision);
            dropWatch(); // it waits for our old revision, which the new store may never reach
            revision = 0;
            storeEpoch++;
        }
        if (readRevision >= revision) {
            kvs.clear();
            for (KeyValue kv : response.getKvs()) {
                kvs.put(text(kv.getKey()), text(kv.getValue()));
            }
            revision = readRevision;
            clusterId = header.getClusterId();
        }
        if (watcher == null) {
            startWatch();
        }
        if (fresh && !reachable) {
            reachable = true;
            if (firstRead.getCount() == 0) {
                log.info("etcd at {} answers again: cluster {} reachable", settings.endpoints(), keys.scope());
            }
        }
        rebuild();
        firstRead.countDown();
        long sendBy = budget - 2 * (now - sentNanos); // the next read must leave by then to land in time
        if (fresh && sendBy < settings.checkInterval().toNanos()) {
            // A slow answer, or a timeout close to the interval: the next tick could come too late.
            cancel(earlyRead);
            earlyRead = scheduler.schedule(this::tick, Math.max(0, sendBy), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Why the store that answered {@code header} is not the one {@link #revision} counts in, or null
     * when it is. The revision rule holds only for reads sent since the current store was adopted.
     */
    private String newStore(Response.Header header, long appliedAtSend, long epochAtSend) {
        if (revision == 0) {
            return null; // nothing applied yet
        }
        if (header.getClusterId() != clusterId) {
            return "cluster id " + Long.toHexString(clusterId) + " -> " + Long.toHexString(header.getClusterId());
        }
        if (epochAtSend == storeEpoch && header.getRevision() < appliedAtSend) {
            return "revision " + header.getRevision() + " below the " + appliedAtSend + " applied before the read";
        }
        return null;
    }

    private void armIsolationTimer(long delayNanos) {
        cancel(isolationTimer);
        isolationTimer = scheduler.schedule(this::checkIsolation, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void checkIsolation() {
        if (closed || !reachable) {
            return;
        }
        long silentNanos = System.nanoTime() - lastSuccessNanos;
        if (silentNanos < isolationNanos) {
            armIsolationTimer(isolationNanos - silentNanos);
            return;
        }
        reachable = false;
        log.info("No successful read from etcd at {} for {} ms ({}): cluster {} marked unreachable",
                settings.endpoints(), TimeUnit.NANOSECONDS.toMillis(silentNanos),
                lastError == null ? "no answer" : "last error: " + lastError, keys.scope());
        publish(current.withDcsReachable(false));
    }

    // ---- watch (scheduler thread) ----

    private void startWatch() {
        long generation = ++watchGeneration;
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withRevision(revision + 1)
                .withRequireLeader(true)
                .build();
        try {
            watcher = client.getWatchClient().watch(prefix, option, Watch.listener(
                    r -> onScheduler(() -> onWatch(generation, r)),
                    e -> onScheduler(() -> onWatchEnded(generation, e)),
                    () -> onScheduler(() -> onWatchEnded(generation, null))));
        } catch (RuntimeException e) {
            watcher = null;
            lastError = describe(e);
            log.warn("Cannot watch {} in etcd: {}; retrying after the next read", keys.prefix(), lastError);
        }
    }

    private void onWatch(long generation, WatchResponse response) {
        if (closed || generation != watchGeneration) {
            return;
        }
        long answeredBy = response.getHeader().getClusterId();
        if (revision != 0 && answeredBy != 0 && answeredBy != clusterId) {
            log.info("Watch on {} answered by etcd cluster {} instead of {}; listing the prefix again", keys.prefix(),
                    Long.toHexString(answeredBy), Long.toHexString(clusterId));
            dropWatch();
            if (!readInFlight) {
                read(); // sees the new cluster id and adopts the new store
            }
            return;
        }
        boolean changed = false;
        long highest = revision;
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            if (kv.getModRevision() <= revision) {
                continue; // a read already showed it
            }
            highest = Math.max(highest, kv.getModRevision());
            String key = text(kv.getKey());
            switch (event.getEventType()) {
                case PUT -> kvs.put(key, text(kv.getValue()));
                case DELETE -> kvs.remove(key);
                default -> {
                    continue;
                }
            }
            changed = true;
        }
        revision = highest;
        if (changed) {
            rebuild();
        }
    }

    private void onWatchEnded(long generation, Throwable error) {
        if (closed || generation != watchGeneration) {
            return;
        }
        if (error instanceof CompactedException) {
            log.info("Watch on {} fell behind etcd's compaction ({}); listing the prefix again", keys.prefix(),
                    error.getMessage());
        } else if (error != null) {
            lastError = describe(error);
            log.warn("Watch on {} failed ({}); listing the prefix again", keys.prefix(), lastError);
        } else {
            log.warn("Watch on {} ended; listing the prefix again", keys.prefix());
        }
        dropWatch();
        if (!readInFlight) {
            read(); // starts a new watch from the revision it reads
        }
    }

    private void dropWatch() {
        watchGeneration++;
        if (watcher != null) {
            Watch.Watcher old = watcher;
            watcher = null;
            try {
                old.close();
            } catch (RuntimeException e) {
                log.debug("Closing the watch on {}: {}", keys.prefix(), e.toString());
            }
        }
    }

    // ---- snapshots (scheduler thread) ----

    private void rebuild() {
        PatroniCluster cluster = PatroniCluster.decode(keys, kvs, json);
        List<String> problems = new ArrayList<>(cluster.problems());
        Instant now = clock.instant();
        Topology topology = PatroniTopology.build(keys.scope(), cluster, now, reachable, problems,
                drainJson.read(kvs.get(drainKeys.drain())));
        reportProblems(problems);
        checkTtl(cluster.config());
        scheduleSwitchoverRebuild(topology, now);
        publish(topology);
    }

    private void publish(Topology next) {
        Topology previous = current;
        if (next.equals(previous)) {
            return;
        }
        if (!next.leader().equals(previous.leader())) {
            String from = previous.leader().orElse("none");
            String to = next.leader().orElse("none");
            String timeline = next.leader().flatMap(next::member).map(m -> " (timeline " + m.timeline() + ")").orElse("");
            log.info("Cluster {}: leader {} -> {}{}", keys.scope(), from, to, timeline);
        }
        if (next.paused() != previous.paused()) {
            log.info("Cluster {}: {}", keys.scope(), next.paused() ? "paused (maintenance mode)" : "resumed");
        }
        if (next.switchoverPending() != previous.switchoverPending()) {
            log.info("Cluster {}: {}", keys.scope(), next.switchoverPending()
                    ? "switchover pending: " + next.switchover().map(EtcdTopologySource::describe).orElse("")
                    : "no switchover pending");
        }
        current = next;
        try {
            publisher.execute(() -> {
                delivered = next;
                for (TopologyListener listener : listeners) {
                    deliver(listener, next);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void scheduleSwitchoverRebuild(Topology topology, Instant now) {
        cancel(switchoverTimer);
        switchoverTimer = null;
        Optional<Instant> due = topology.switchover().flatMap(Switchover::scheduledAt)
                .filter(at -> at.isAfter(now) && at.isBefore(now.plus(SWITCHOVER_TIMER_HORIZON)));
        if (due.isPresent()) { // later ones: a periodic read rebuilds the snapshot before then
            long delay = Duration.between(now, due.get()).toNanos();
            switchoverTimer = scheduler.schedule(this::rebuild, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void reportProblems(List<String> problems) {
        if (problems.equals(reportedProblems)) {
            return;
        }
        for (String problem : problems) {
            if (!reportedProblems.contains(problem)) {
                log.warn("Cluster {}: {}", keys.scope(), problem);
            }
        }
        reportedProblems = List.copyOf(problems);
    }

    private void checkTtl(Optional<ClusterConfig> config) {
        Duration ttl = config.flatMap(ClusterConfig::ttlDuration).orElse(ClusterConfig.DEFAULT_TTL);
        if (ttl.equals(warnedTtl)) {
            return;
        }
        Optional<String> problem = settings.checkAgainstTtl(ttl);
        if (problem.isPresent()) {
            warnedTtl = ttl;
            log.warn("Cluster {}: {}", keys.scope(), problem.get());
        } else {
            warnedTtl = null;
        }
    }

    // ---- helpers ----

    private void deliver(TopologyListener listener, Topology topology) {
        try {
            listener.onTopology(topology);
        } catch (RuntimeException e) {
            log.error("Topology listener {} failed on a snapshot of cluster {}", listener, keys.scope(), e);
        }
    }

    private void awaitDelivery(Future<?> task, String what) {
        if (Thread.currentThread() == publisherThread) {
            return; // called from a listener: it runs after this one returns
        }
        try {
            task.get(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("A topology listener of cluster {} has been busy for over {} s while {}", keys.scope(),
                    DELIVERY_WAIT.toSeconds(), what);
        } catch (ExecutionException e) {
            log.error("Failed {} for cluster {}", what, keys.scope(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void onScheduler(Runnable task) {
        try {
            scheduler.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("Unexpected failure following cluster {} in etcd", keys.scope(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed: nothing more to do
        }
    }

    private static String describe(Switchover s) {
        return s.leader().orElse("(any leader)") + " -> " + s.candidate().orElse("(best candidate)")
                + s.scheduledAt().map(at -> " scheduled at " + at).orElse("");
    }

    private static void cancel(Future<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return "no answer in time";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /**
     * For tests: replaces the watch with one from {@code fromRevision}, as if it had fallen behind
     * (after a compaction, etcd refuses it, which is the path this exercises).
     */
    void rewatchFrom(long fromRevision) {
        onScheduler(() -> {
            dropWatch();
            long applied = revision;
            revision = fromRevision - 1;
            startWatch();
            revision = applied;
        });
    }

    @Override
    public String toString() {
        return "EtcdTopologySource[" + keys.prefix() + " at " + settings.endpoints() + "]";
    }
}
