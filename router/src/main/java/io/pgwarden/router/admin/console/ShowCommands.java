package io.pgwarden.router.admin.console;

import io.netty.util.concurrent.Future;
import io.pgwarden.discovery.Member;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.PoolReport;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.ServerSnapshot;
import io.pgwarden.router.config.FlatConfig;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.metrics.TrafficSnapshot;
import io.pgwarden.router.reload.ConfigReloader;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingView;
import io.pgwarden.router.session.ClientInfo;
import io.pgwarden.router.session.ClientRegistry;
import io.pgwarden.router.session.LiveSettings;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** The SHOW commands: what the router is doing right now, as tables. */
final class ShowCommands {

    static final String VERSION = "pgwarden 0.1.0";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final Comparator<PoolKey> BY_POOL = Comparator.comparing(PoolKey::node)
            .thenComparing(PoolKey::database).thenComparing(PoolKey::user);

    private final LiveSettings settings;
    private final ConfigReloader config;
    private final ServerPools pools;
    private final ClientRegistry registry;
    private final Router router;
    private final RouterMetrics metrics;

    ShowCommands(LiveSettings settings, ConfigReloader config, ServerPools pools, ClientRegistry registry, Router router,
                 RouterMetrics metrics) {
        this.settings = settings;
        this.config = config;
        this.pools = pools;
        this.registry = registry;
        this.router = router;
        this.metrics = metrics;
    }

    CompletableFuture<ResultSet> show(ConsoleCommand.Target target) {
        return switch (target) {
            case POOLS -> CompletableFuture.completedFuture(pools());
            case CLIENTS -> clients();
            case SERVERS -> CompletableFuture.completedFuture(servers());
            case STATS -> CompletableFuture.completedFuture(stats());
            case CONFIG -> CompletableFuture.completedFuture(config());
            case TOPOLOGY -> CompletableFuture.completedFuture(topology());
            case HELP -> CompletableFuture.completedFuture(help());
            case VERSION -> CompletableFuture.completedFuture(ResultSet.builder("SHOW").text("version").row(VERSION).build());
        };
    }

    private ResultSet pools() {
        ResultSet.Builder result = ResultSet.builder("SHOW")
                .text("node", "database", "user", "pool_mode")
                .bigint("cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used", "sv_login", "max_size",
                        "maxwait", "maxwait_us")
                .bool("paused");
        for (PoolReport pool : sorted(pools.reports())) {
            PoolKey key = pool.key();
            int inUse = Math.max(0, pool.active() - pool.opening());
            long waitMicros = pool.longestWaitNanos() / 1000;
            result.row(key.node(), key.database(), key.user(), mode(key),
                    inUse, pool.waiting() + pool.opening(), inUse, pool.idle(),
                    Math.max(0, pool.servers().size() - inUse - pool.idle()), pool.opening(), pool.settings().maxSize(),
                    waitMicros / 1_000_000, waitMicros % 1_000_000, pool.paused());
        }
        return result.build();
    }

    private CompletableFuture<ResultSet> clients() {
        List<CompletableFuture<ClientInfo>> infos = new ArrayList<>();
        // Each session describes itself on its own event loop, where its state lives.
        registry.forEachSession(session -> infos.add(completable(session.describe())));
        return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            ResultSet.Builder result = ResultSet.builder("SHOW")
                    .text("user", "database", "listener").bigint("listener_port")
                    .text("addr").bigint("port")
                    .text("state", "connect_time", "pool_mode", "pinned").bool("tls").text("server");
            infos.stream()
                    .filter(f -> !f.isCompletedExceptionally()) // a client that left meanwhile
                    .map(CompletableFuture::join)
                    .sorted(Comparator.comparing(ClientInfo::connectedAt))
                    .forEach(c -> result.row(c.user(), c.database(), c.listener().name().toLowerCase(Locale.ROOT),
                            c.listenerPort(), c.address().getAddress().getHostAddress(), c.address().getPort(),
                            c.state(), time(c.connectedAt()), c.mode().configName(), c.pinReason(), c.tls(), c.server()));
            return result.build();
        });
    }

    private ResultSet servers() {
        ResultSet.Builder result = ResultSet.builder("SHOW")
                .text("node", "addr", "database", "user", "state", "connect_time").bigint("backend_pid");
        for (PoolReport pool : sorted(pools.reports())) {
            PoolKey key = pool.key();
            pool.servers().stream().sorted(Comparator.comparing(ServerSnapshot::connectedAt)).forEach(s ->
                    result.row(key.node(), key.host() + ":" + key.port(), key.database(), key.user(),
                            s.idle() ? "idle" : "active", time(s.connectedAt()), s.backendPid()));
        }
        return result.build();
    }

    private ResultSet stats() {
        ResultSet.Builder result = ResultSet.builder("SHOW")
                .text("database", "user")
                .bigint("total_xact_count", "total_query_count", "total_received", "total_sent",
                        "total_xact_time", "total_query_time", "total_wait_time",
                        "avg_xact_time", "avg_query_time", "avg_wait_time");
        metrics.traffic().stream()
                .sorted(Comparator.comparing(TrafficSnapshot::database).thenComparing(TrafficSnapshot::user))
                .forEach(t -> result.row(t.database(), t.user(), t.transactions(), t.queries(), t.bytesReceived(),
                        t.bytesSent(), t.transactionMicros(), t.queryMicros(), t.waitMicros(),
                        average(t.transactionMicros(), t.transactions()), average(t.queryMicros(), t.queries()),
                        average(t.waitMicros(), t.transactions())));
        return result.build();
    }

    private ResultSet config() {
        ResultSet.Builder result = ResultSet.builder("SHOW").text("key", "value").bool("reloadable");
        FlatConfig.of(config.current()).forEach((key, value) -> result.row(key, value, FlatConfig.isReloadable(key)));
        return result.build();
    }

    private ResultSet topology() {
        RoutingView view = router.view();
        ResultSet.Builder result = ResultSet.builder("SHOW")
                .text("name", "host").bigint("port").text("role", "state").bigint("timeline", "lag_bytes")
                .bool("leader_key").text("routing");
        for (Member m : view.topology().members()) {
            boolean holder = view.holdsKey(m.name());
            String routing = view.primary().filter(p -> p.name().equals(m.name())).isPresent() ? "primary"
                    : holder ? "primary (new work held)"
                    : view.isReadable(m.name()) ? "readable" : "none";
            result.row(m.name(), m.host(), m.port(), m.role().name().toLowerCase(Locale.ROOT), m.state(),
                    m.timeline() > 0 ? m.timeline() : null, m.lagBytes() >= 0 ? m.lagBytes() : null, holder, routing);
        }
        return result.build();
    }

    private static ResultSet help() {
        return ResultSet.builder("SHOW").text("command", "description")
                .row("SHOW POOLS", "per pool (node, database, user): clients and server connections")
                .row("SHOW CLIENTS", "one row per logged-in client")
                .row("SHOW SERVERS", "one row per open server connection")
                .row("SHOW STATS", "traffic totals per database and user")
                .row("SHOW CONFIG", "the running configuration")
                .row("SHOW TOPOLOGY", "the cluster's members and how the router uses them")
                .row("SHOW VERSION", "the router's version")
                .row("RELOAD", "re-read the config file")
                .row("PAUSE [db]", "wait until the server connections are given back, then hold new work")
                .row("RESUME [db]", "release the work held by PAUSE")
                .row("KILL db", "cut every client and server connection of a database")
                .build();
    }

    private String mode(PoolKey key) {
        return settings.current().poolModes().modeFor(key.database(), key.user()).configName();
    }

    private static List<PoolReport> sorted(List<PoolReport> reports) {
        return reports.stream().sorted(Comparator.comparing(PoolReport::key, BY_POOL)).toList();
    }

    private static long average(long total, long count) {
        return count == 0 ? 0 : total / count;
    }

    private static String time(Instant instant) {
        return TIME.format(instant);
    }

    static <T> CompletableFuture<T> completable(Future<T> future) {
        CompletableFuture<T> result = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(future.getNow());
            } else {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }
}
