package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.router.pinning.PinReason;
import io.pgwarden.router.routing.ListenerRole;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The router's meters, in one Prometheus registry. */
public final class RouterMetrics {

    private final PrometheusMeterRegistry registry;
    private final Map<PinReason, AtomicInteger> pinned = new EnumMap<>(PinReason.class);
    private final Map<ListenerRole, AtomicInteger> listenerClients = new EnumMap<>(ListenerRole.class);
    private final Map<AuthFailure, Counter> authFailures = new EnumMap<>(AuthFailure.class);
    private final TrafficMeters traffic;
    private final Counter staleLeaders;
    private final Counter fencedClients;
    private final MultiGauge poolConnections;
    private final MultiGauge poolActiveClients;
    private final MultiGauge poolWaiting;
    private final Counter clientTlsOk;
    private final Counter clientTlsFailed;
    private final Counter serverTlsOk;
    private final Counter serverTlsFailed;
    private volatile Supplier<List<PoolStats>> pools = List::of;

    public RouterMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.traffic = new TrafficMeters(registry);
        this.clientTlsOk = tlsHandshakeCounter("client", "ok");
        this.clientTlsFailed = tlsHandshakeCounter("client", "failed");
        this.serverTlsOk = tlsHandshakeCounter("server", "ok");
        this.serverTlsFailed = tlsHandshakeCounter("server", "failed");
        staleLeaders = Counter.builder("pgwarden_stale_leader")
                .description("Leaders seen on a timeline behind one already seen, and not routed to")
                .register(registry);
        fencedClients = Counter.builder("pgwarden_fenced_clients")
                .description("Clients cut because their server stopped being the primary or a readable replica")
                .register(registry);
        for (PinReason reason : PinReason.values()) {
            AtomicInteger count = new AtomicInteger();
            pinned.put(reason, count);
            Gauge.builder("pgwarden_pinned_clients", count, AtomicInteger::get)
                    .description("Transaction-mode clients pinned to their server connection, by reason")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
        for (ListenerRole role : ListenerRole.values()) {
            AtomicInteger count = new AtomicInteger();
            listenerClients.put(role, count);
            Gauge.builder("pgwarden_listener_clients", count, AtomicInteger::get)
                    .description("Logged-in clients per listener (primary or replica port)")
                    .tag("listener", role.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        for (AuthFailure reason : AuthFailure.values()) {
            authFailures.put(reason, Counter.builder("pgwarden_auth_failures")
                    .description("Failed client logins, by reason")
                    .tag("reason", reason.tag())
                    .register(registry));
        }
        poolConnections = MultiGauge.builder("pgwarden_pool_server_connections")
                .description("Server connections per pool (node, database, user) and state").register(registry);
        poolActiveClients = MultiGauge.builder("pgwarden_pool_active_clients")
                .description("Clients holding a server connection of the pool").register(registry);
        poolWaiting = MultiGauge.builder("pgwarden_pool_waiting_clients")
                .description("Clients queued for a server connection, per pool").register(registry);
        registerProtocolErrors();
    }

    /** Where the pool figures come from; read at each scrape. */
    public void bindPools(Supplier<List<PoolStats>> pools, IntSupplier clients) {
        this.pools = pools;
        Gauge.builder("pgwarden_clients", clients, IntSupplier::getAsInt).strongReference(true)
                .description("Logged-in clients on both ports").register(registry);
    }

    /**
     * A client on {@code role}'s port passed authentication for {@code database} as {@code user}:
     * the holder its session records traffic with. Call once per client, off the per-message path.
     */
    public ClientTraffic client(ListenerRole role, String database, String user) {
        return new ClientTraffic(traffic, database, user, listenerClients.get(role));
    }

    /** Every pool's traffic totals since start, ordered by database and user. */
    public List<TrafficSnapshot> traffic() {
        return traffic.snapshots();
    }

    public int listenerClients(ListenerRole role) {
        return listenerClients.get(role).get();
    }

    public void authFailed(AuthFailure reason) {
        authFailures.get(reason).increment();
    }

    /**
     * PostgreSQL refused a login the router made for a client: counted when it is about
     * credentials (class 28, invalid authorization specification), not e.g. a missing database.
     */
    public void serverLoginFailed(String sqlState) {
        if (sqlState.startsWith("28")) {
            authFailed(AuthFailure.SERVER_REJECTED);
        }
    }

    public double authFailures(AuthFailure reason) {
        return authFailures.get(reason).count();
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

    // ---- TLS handshakes -------------------------------------------------------------------

    private Counter tlsHandshakeCounter(String side, String result) {
        return Counter.builder("pgwarden_tls_handshakes")
                .description("TLS handshakes with clients and with servers, by outcome")
                .tag("side", side)
                .tag("result", result)
                .register(registry);
    }

    /** A TLS handshake with a client finished. */
    public void clientTlsHandshake(boolean ok) {
        (ok ? clientTlsOk : clientTlsFailed).increment();
    }

    /** A TLS handshake with a PostgreSQL server finished. */
    public void serverTlsHandshake(boolean ok) {
        (ok ? serverTlsOk : serverTlsFailed).increment();
    }

    /** @param side {@code client} or {@code server} */
    public double tlsHandshakes(String side, boolean ok) {
        return switch (side) {
            case "client" -> (ok ? clientTlsOk : clientTlsFailed).count();
            case "server" -> (ok ? serverTlsOk : serverTlsFailed).count();
            default -> throw new IllegalArgumentException("side must be client or server: " + side);
        };
    }

    // ---- protocol errors: clients answered with 08P01, by phase -------------------------------

    private final Map<ProtocolPhase, Counter> protocolErrors = new EnumMap<>(ProtocolPhase.class);

    /** Called from the constructor, once the registry exists: every phase is exposed from the start. */
    private void registerProtocolErrors() {
        for (ProtocolPhase phase : ProtocolPhase.values()) {
            protocolErrors.put(phase, Counter.builder("pgwarden_protocol_errors")
                    .description("Clients cut with FATAL 08P01 (protocol violation), by the phase they were in")
                    .tag("phase", phase.tag())
                    .register(registry));
        }
    }

    public void protocolError(ProtocolPhase phase) {
        protocolErrors.get(phase).increment();
    }

    public double protocolErrors(ProtocolPhase phase) {
        return protocolErrors.get(phase).count();
    }

    // ---- end of protocol errors -----------------------------------------------------------------

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        List<PoolStats> stats = pools.get();
        poolConnections.register(stats.stream().flatMap(p -> List.of(
                MultiGauge.Row.of(poolTags(p).and("state", "active"), p.inUse()),
                MultiGauge.Row.of(poolTags(p).and("state", "idle"), p.idle()),
                MultiGauge.Row.of(poolTags(p).and("state", "connecting"), p.connecting())).stream()).toList(), true);
        poolActiveClients.register(stats.stream().map(p -> MultiGauge.Row.of(poolTags(p), p.inUse())).toList(), true);
        poolWaiting.register(stats.stream().map(p -> MultiGauge.Row.of(poolTags(p), p.waiting())).toList(), true);
        return registry.scrape();
    }

    private static Tags poolTags(PoolStats pool) {
        return Tags.of("node", pool.key().node(), "database", pool.key().database(), "user", pool.key().user());
    }
}
