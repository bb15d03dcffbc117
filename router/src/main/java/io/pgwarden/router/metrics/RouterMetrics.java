package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.pgwarden.pool.PoolStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.router.pinning.PinReason;

import java.util.EnumMap;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The router's meters, in one Prometheus registry. */
public final class RouterMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<PinReason, AtomicInteger> pinned = new EnumMap<>(PinReason.class);
    private final Counter staleLeaders = Counter.builder("pgwarden_stale_leader")
            .description("Leaders seen on a timeline behind one already seen, and not routed to")
            .register(registry);
    private final Counter fencedClients = Counter.builder("pgwarden_fenced_clients")
            .description("Clients cut because their server stopped being the primary or a readable replica")
            .register(registry);

    public RouterMetrics() {
        for (PinReason reason : PinReason.values()) {
            AtomicInteger count = new AtomicInteger();
            pinned.put(reason, count);
            Gauge.builder("pgwarden_pinned_clients", count, AtomicInteger::get)
                    .description("Transaction-mode clients pinned to their server connection, by reason")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
    }

    private final MultiGauge poolConnections = MultiGauge.builder("pgwarden_pool_server_connections")
            .description("Server connections per pool (node, database, user) and state").register(registry);
    private final MultiGauge poolWaiting = MultiGauge.builder("pgwarden_pool_waiting_clients")
            .description("Clients queued for a server connection, per pool").register(registry);
    private volatile Supplier<List<PoolStats>> pools = List::of;

    /** Where the pool figures come from; read at each scrape. */
    public void bindPools(Supplier<List<PoolStats>> pools, IntSupplier clients) {
        this.pools = pools;
        Gauge.builder("pgwarden_clients", clients, IntSupplier::getAsInt).strongReference(true)
                .description("Logged-in clients on both ports").register(registry);
    }

    public void pinned(PinReason reason) {
        pinned.get(reason).incrementAndGet();
    }

    public void unpinned(PinReason reason) {
        pinned.get(reason).decrementAndGet();
    }

    public void staleLeader() {
        staleLeaders.increment();
    }

    public double staleLeaders() {
        return staleLeaders.count();
    }

    public void fencedClient() {
        fencedClients.increment();
    }

    public double fencedClients() {
        return fencedClients.count();
    }

    public int pinnedClients(PinReason reason) {
        return pinned.get(reason).get();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        List<PoolStats> stats = pools.get();
        poolConnections.register(stats.stream().flatMap(p -> List.of(
                MultiGauge.Row.of(poolTags(p).and("state", "active"), p.active()),
                MultiGauge.Row.of(poolTags(p).and("state", "idle"), p.idle())).stream()).toList(), true);
        poolWaiting.register(stats.stream().map(p -> MultiGauge.Row.of(poolTags(p), p.waiting())).toList(), true);
        return registry.scrape();
    }

    // ---- traffic totals (SHOW STATS): placeholder until the per-pool counters land ----------
    public List<TrafficSnapshot> traffic() {
        return List.of();
    }
    // ---- end of placeholder ---------------------------------------------------------------

    private static Tags poolTags(PoolStats pool) {
        return Tags.of("node", pool.key().node(), "database", pool.key().database(), "user", pool.key().user());
    }
}
