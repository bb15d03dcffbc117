package io.pgwarden.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.server.ServerConnector;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Every pool of a router, created on first use, with periodic housekeeping. */
public final class ServerPools implements AutoCloseable {

    private static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

    private final Map<PoolKey, ServerPool> pools = new ConcurrentHashMap<>();
    private final ServerConnector connector;
    private final EventLoopGroup loops;
    private volatile Function<PoolKey, PoolSettings> settings;
    private final ScheduledFuture<?> maintenance;

    public ServerPools(ServerConnector connector, EventLoopGroup loops, Function<PoolKey, PoolSettings> settings) {
        this.connector = connector;
        this.loops = loops;
        this.settings = settings;
        long interval = MAINTENANCE_INTERVAL.toMillis();
        this.maintenance = loops.scheduleWithFixedDelay(this::maintain, interval, interval, TimeUnit.MILLISECONDS);
    }

    public ServerPool pool(PoolKey key) {
        return pools.computeIfAbsent(key, k -> new ServerPool(k, settings.apply(k), connector));
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

    public List<PoolStats> stats() {
        return pools.values().stream().map(ServerPool::stats).toList();
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
