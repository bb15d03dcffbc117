package io.pgwarden.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.server.ServerConnector;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Every pool of a router, created on first use, with periodic housekeeping. */
public final class ServerPools implements AutoCloseable {

    private static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

    private final Map<PoolKey, ServerPool> pools = new ConcurrentHashMap<>();
    private final ServerConnector connector;
    private final NodeReachability reachability = new NodeReachability();
    private final EventLoopGroup loops;
    private volatile Function<PoolKey, PoolSettings> settings;
    private final ScheduledFuture<?> maintenance;
    /** Admin PAUSE: databases whose pools hold new work, including pools created meanwhile. */
    private final Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
    private volatile boolean allPaused;

    public ServerPools(ServerConnector connector, EventLoopGroup loops, Function<PoolKey, PoolSettings> settings) {
        this.connector = connector;
        this.loops = loops;
        this.settings = settings;
        long interval = MAINTENANCE_INTERVAL.toMillis();
        this.maintenance = loops.scheduleWithFixedDelay(this::maintain, interval, interval, TimeUnit.MILLISECONDS);
    }

    public ServerPool pool(PoolKey key) {
        return pools.computeIfAbsent(key, k -> {
            ServerPool pool = new ServerPool(k, settings.apply(k), connector, reachability);
            if (isPaused(k.database())) {
                pool.pause();
            }
            return pool;
        });
    }

    /** New settings apply to every pool at once; connections already open are kept. */
    public void updateSettings(Function<PoolKey, PoolSettings> settings) {
        this.settings = settings;
        pools.values().forEach(p -> p.updateSettings(settings.apply(p.key())));
    }

    /**
     * Forgets every pool of a node: idle connections close now, busy ones when released. A later
     * client gets a fresh pool, should the node become usable again.
     */
    public void closeNode(String node) {
        pools.values().removeIf(pool -> {
            if (pool.key().node().equals(node)) {
                pool.close();
                return true;
            }
            return false;
        });
    }

    /**
     * Opens connections to {@code to} for every database and user {@code from} has a pool for, as many
     * as that pool has open (at most its maximum): so that the first transactions on a new primary do
     * not wait for logins. They wait idle in the new pools; failures are only logged by the pools.
     */
    public void preOpen(String from, String to, String host, int port) {
        for (ServerPool source : List.copyOf(pools.values())) {
            PoolKey key = source.key();
            if (!key.node().equals(from)) {
                continue;
            }
            ServerPool target = pool(new PoolKey(to, host, port, key.database(), key.user()));
            target.updateCredentials(source.credentials());
            int wanted = Math.min(source.stats().total(), target.settings().maxSize()) - target.stats().total();
            for (int i = 0; i < wanted; i++) {
                target.acquire(loops.next()).addListener((io.netty.util.concurrent.Future<io.pgwarden.pool.server.ServerConnection> f) -> {
                    if (f.isSuccess()) {
                        target.release(f.getNow(), false);
                    }
                });
            }
        }
    }

    public List<PoolStats> stats() {
        return pools.values().stream().map(ServerPool::stats).toList();
    }

    /** Every pool in detail, for the admin console. */
    public List<PoolReport> reports() {
        return pools.values().stream().map(ServerPool::report).toList();
    }

    // ---- admin PAUSE / RESUME / KILL: a database, or every one when empty ----------------------

    /** Holds new work for the database(s), in pools that exist now and pools created later. */
    public void pause(Optional<String> database) {
        database.ifPresentOrElse(pausedDatabases::add, () -> allPaused = true);
        // Again at each check: a pool created while the flag was being set is caught too.
        matching(database).forEach(ServerPool::pause);
    }

    /** True once no server connection of the database(s) is in a client's hands. */
    public boolean isDrained(Optional<String> database) {
        matching(database).forEach(ServerPool::pause);
        return matching(database).stream().allMatch(ServerPool::isDrained);
    }

    public boolean isPaused(String database) {
        return allPaused || pausedDatabases.contains(database);
    }

    /** PAUSE without a database is in force. */
    public boolean isAllPaused() {
        return allPaused;
    }

    /** Releases the held work of the database(s); with no database, of every one. */
    public void resume(Optional<String> database) {
        database.ifPresentOrElse(pausedDatabases::remove, () -> {
            allPaused = false;
            pausedDatabases.clear();
        });
        pools.values().stream().filter(p -> !isPaused(p.key().database())).forEach(ServerPool::resume);
    }

    /** Forgets every pool of a database: idle connections close now, busy ones when given back. */
    public void closeDatabase(String database) {
        pools.values().removeIf(pool -> {
            if (pool.key().database().equals(database)) {
                pool.close();
                return true;
            }
            return false;
        });
    }

    private List<ServerPool> matching(Optional<String> database) {
        return pools.values().stream()
                .filter(p -> database.map(p.key().database()::equals).orElse(true))
                .toList();
    }

    private void maintain() {
        pools.values().forEach(p -> p.maintain(loops.next()));
    }

    @Override
    public void close() {
        maintenance.cancel(false);
        pools.values().forEach(ServerPool::close);
        pools.clear();
    }
}
