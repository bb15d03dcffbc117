package io.pgwarden.router.listener;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologySource;
import io.pgwarden.discovery.fixed.StaticTopologySource;
import io.pgwarden.pool.PoolSettings;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.protocol.codec.PgMessageEncoder;
import io.pgwarden.pool.protocol.codec.StartupDecoder;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.router.admin.AdminHttpServer;
import io.pgwarden.router.admin.console.AdminConsole;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.ConfigLoader;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingView;
import io.pgwarden.router.fencing.Fencer;
import io.pgwarden.router.switchover.SwitchoverParticipant;
import io.pgwarden.router.session.CancelForwarder;
import io.pgwarden.router.session.ClientRegistry;
import io.pgwarden.router.session.ClientLoginHandler;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.reload.ConfigReloader;
import io.pgwarden.router.reload.ReloadResult;
import io.pgwarden.router.session.LiveSettings;
import io.pgwarden.router.session.ReloadableSettings;
import io.pgwarden.router.session.SessionContext;
import io.pgwarden.router.tls.ClientTlsHandler;
import io.pgwarden.router.tls.ClientTlsMode;
import io.pgwarden.router.tls.TlsContexts;
import io.pgwarden.pool.tls.ServerTls;
import io.pgwarden.pool.tls.TlsHandshakeObserver;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.pgwarden.discovery.etcd.EtcdSourceSettings;
import io.pgwarden.discovery.etcd.EtcdTopologySource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The router process: two listeners (primary and replica port) on shared event loops, the
 * pools behind them, and the topology they route by.
 */
public final class RouterServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouterServer.class);

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ServerPools pools;
    private final ClientRegistry registry;
    private final TopologySource topology;
    private final List<Channel> listeners;
    private final RouterMetrics metrics;
    private final AdminHttpServer admin;
    private final Router router;
    private final ConfigReloader reloader;
    private final ExecutorService adminTasks;
    /** Registration and drain for coordinated switchovers; nothing without etcd. */
    private final AutoCloseable switchover;
    private final Transport transport;

    private RouterServer(EventLoopGroup acceptors, EventLoopGroup workers, ServerPools pools, ClientRegistry registry,
                         TopologySource topology, List<Channel> listeners, RouterMetrics metrics, AdminHttpServer admin,
                         Router router, ConfigReloader reloader, ExecutorService adminTasks, AutoCloseable switchover,
                         Transport transport) {
        this.switchover = switchover;
        this.transport = transport;
        this.reloader = reloader;
        this.adminTasks = adminTasks;
        this.metrics = metrics;
        this.router = router;
        this.admin = admin;
        this.acceptors = acceptors;
        this.workers = workers;
        this.pools = pools;
        this.registry = registry;
        this.topology = topology;
        this.listeners = listeners;
    }

    /** Binds both ports and starts serving; fails (and cleans up) if either port is taken. */
    public static RouterServer start(RouterConfig config) throws InterruptedException {
        return start(config, topologySource(config, "config"));
    }

    /** As {@link #start(RouterConfig)} from a config file, which {@link #reload()} reads again. */
    public static RouterServer start(Path configFile) throws InterruptedException {
        RouterConfig config = new ConfigLoader().load(configFile);
        return start(config, topologySource(config, configFile.toString()), configFile);
    }

    /**
     * The etcd source when {@code dcs.etcd} is set, else the static topology of the config.
     * {@code source} names the config file in errors about its etcd settings.
     */
    static TopologySource topologySource(RouterConfig config, String source) {
        RouterConfig.Dcs dcs = config.dcs();
        if (!dcs.enabled()) {
            return new StaticTopologySource(staticTopology(config.topology()));
        }
        try {
            return new EtcdTopologySource(new EtcdSourceSettings(dcs.access(source), dcs.namespace(), dcs.scope(),
                    dcs.checkInterval(), dcs.isolationTimeout()));
        } catch (EtcdConfigException e) {
            throw new ConfigException(source + ": bad value for key 'dcs." + e.key() + "': " + e.problem(), e);
        }
    }

    /** As {@link #start(RouterConfig)}, following the given topology source instead of the config's. */
    public static RouterServer start(RouterConfig config, TopologySource topology) throws InterruptedException {
        return start(config, topology, null);
    }

    private static RouterServer start(RouterConfig config, TopologySource topology, Path configFile)
            throws InterruptedException {
        LiveSettings settings = new LiveSettings(ReloadableSettings.from(config,
                configFile == null ? "config" : configFile.toString()));
        Transport transport = transport(config, configFile);
        RouterMetrics metrics = new RouterMetrics();
        // Certificates are loaded before anything starts: a bad file stops the router with a clear error.
        ServerTls serverTls = TlsContexts.forServers(config.server(), metrics::serverTlsHandshake);
        ClientTls clientTls = ClientTls.from(config.tls(), metrics::clientTlsHandshake);
        EventLoopGroup acceptors = transport.newGroup(1, "pgwarden-accept");
        // Fewer loops than cores: more would only add context switches and cross-loop hand-offs.
        EventLoopGroup workers = transport.newGroup(config.listen().effectiveIoThreads(), "pgwarden-io");
        ServerConnector connector = new ServerConnector(transport.channelType(), config.server().connectTimeout(), serverTls);
        PoolSettings poolSettings = ConfigReloader.poolSettings(config.pool());
        ServerPools pools = new ServerPools(connector, workers, key -> poolSettings);
        ClientRegistry registry = new ClientRegistry();
        Router router = new Router(ConfigReloader.routingSettings(config.routing()), metrics);
        Fencer fencer = new Fencer(router, registry, pools);
        // The router takes each snapshot in first; the fencer then acts on the new view.
        topology.addListener(router);
        topology.addListener(fencer);
        topology.start();
        ConfigReloader reloader = new ConfigReloader(configFile, config, settings, pools, router, () -> {
            Topology now = topology.current();
            if (now != null) {
                router.onTopology(now);
                fencer.onTopology(now);
            }
        });
        ExecutorService adminTasks = Executors.newSingleThreadExecutor(
                new io.netty.util.concurrent.DefaultThreadFactory("pgwarden-admin", true));
        AdminConsole console = new AdminConsole(settings, reloader, adminTasks, pools, registry, router, metrics);
        SessionContext context = new SessionContext(settings, router, pools, registry,
                new CancelForwarder(transport.channelType(), config.server().connectTimeout(), serverTls), metrics, console);
        // Sockets not yet past their StartupMessage, on both ports: bounded like the clients are.
        AtomicInteger connecting = new AtomicInteger();
        try {
            Channel primary = bind(transport, acceptors, workers, config.listen().host(), config.listen().primaryPort(),
                    context, ListenerRole.PRIMARY, clientTls, connecting);
            Channel replica = bind(transport, acceptors, workers, config.listen().host(), config.listen().replicaPort(),
                    context, ListenerRole.REPLICA, clientTls, connecting);
            metrics.bindPools(pools::stats, registry::clientCount);
            AdminHttpServer admin = null;
            if (config.admin().httpPort() > 0) {
                admin = AdminHttpServer.start(config.admin().host(), config.admin().httpPort(), acceptors, workers,
                        transport.serverChannelType(), metrics, router);
                log.info("admin HTTP on {}:{} (/metrics, /health)", config.admin().host(), admin.port());
            }
            log.info("pgwarden router listening on {}:{} (primary, tls {}) and {}:{} (replicas, tls {}), {} transport,"
                            + " server tls {}", config.listen().host(), config.listen().primaryPort(),
                    clientTls.modeFor(ListenerRole.PRIMARY).configName(), config.listen().host(),
                    config.listen().replicaPort(), clientTls.modeFor(ListenerRole.REPLICA).configName(),
                    transport.name(), serverTls.mode().configName());
            if (config.admin().consoleEnabled()) {
                log.info("admin console: database \"{}\" on both ports, for {}", config.admin().database(),
                        config.admin().users());
            }
            AutoCloseable switchover = () -> { };
            if (config.dcs().enabled()) {
                String id = hostName() + "-" + config.listen().primaryPort();
                switchover = SwitchoverParticipant.join(config.dcs().access(configFile == null ? "config" : configFile.toString()), config.dcs().namespace(), config.dcs().scope(),
                        id, "{\"primary\":\"" + hostName() + ":" + config.listen().primaryPort() + "\",\"pid\":"
                                + ProcessHandle.current().pid() + "}",
                        config.dcs().isolationTimeout(), router, registry, pools, topology);
            }
            return new RouterServer(acceptors, workers, pools, registry, topology, List.of(primary, replica), metrics, admin,
                    router, reloader, adminTasks, switchover, transport);
        } catch (InterruptedException | RuntimeException e) {
            adminTasks.shutdownNow();
            topology.close();
            pools.close();
            acceptors.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    /** The transport the sockets use: {@code io_uring}, {@code epoll} or {@code nio}. */
    public String transportName() {
        return transport.name();
    }

    /** The configured transport; one asked for by name that this system lacks stops the start, naming the key. */
    private static Transport transport(RouterConfig config, Path configFile) {
        String source = configFile == null ? "config" : configFile.toString();
        try {
            return Transport.of(TransportChoice.parse(config.listen().transport()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(source + ": bad value for key 'listen.transport': " + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "router";
        }
    }

    private static Channel bind(Transport transport, EventLoopGroup acceptors, EventLoopGroup workers, String host, int port,
                                SessionContext context, ListenerRole role, ClientTls tls, AtomicInteger connecting)
            throws InterruptedException {
        ClientTlsMode tlsMode = tls.modeFor(role);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Read per connection: a reload changes the limit for clients that connect after it.
                        int maxMessage = (int) context.limits().maxMessageSize().bytes();
                        int maxConnecting = context.limits().maxClientConn();
                        ch.pipeline()
                                .addLast("startup", new StartupDecoder(maxMessage,
                                        () -> context.metrics().protocolError(ProtocolPhase.STARTUP)))
                                .addLast("encoder", PgMessageEncoder.INSTANCE)
                                // Before TLS: a socket refused here never starts a handshake.
                                .addLast("gate", new StartupGate(connecting, maxConnecting));
                        if (tlsMode != ClientTlsMode.DISABLE) {
                            ch.pipeline().addLast(ClientTlsHandler.NAME,
                                    new ClientTlsHandler(tlsMode, tls.context(), tls.observer()));
                        }
                        ch.pipeline().addLast("login", new ClientLoginHandler(context, role));
                    }
                });
        try {
            return bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (Exception e) {
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new ConfigException("cannot listen on " + host + ":" + port + " (" + role.name().toLowerCase()
                    + " port): " + e.getMessage(), e);
        }
    }

    /** The client-side TLS of both listeners: a mode per port and the one context they share. */
    private record ClientTls(ClientTlsMode primary, ClientTlsMode replica, SslContext context,
                             TlsHandshakeObserver observer) {

        static ClientTls from(RouterConfig.Tls config, TlsHandshakeObserver observer) {
            return new ClientTls(ClientTlsMode.parse(config.effectivePrimaryMode()),
                    ClientTlsMode.parse(config.effectiveReplicaMode()),
                    config.enabled() ? TlsContexts.forClients(config) : null, observer);
        }

        ClientTlsMode modeFor(ListenerRole role) {
            return role == ListenerRole.PRIMARY ? primary : replica;
        }
    }

    public static Topology staticTopology(RouterConfig.Topology config) {
        List<Member> members = config.members().stream()
                .map(m -> Member.running(m.name(), m.host(), m.port(), Role.parse(m.role())))
                .toList();
        Optional<String> leader = members.stream().filter(m -> m.role() == Role.PRIMARY).map(Member::name).findFirst();
        return new Topology(config.cluster(), leader, members, false, false, true);
    }

    /**
     * Re-reads the config file the router was started from and applies what may change at
     * runtime (see {@link ConfigReloader}); a bad file throws {@link ConfigException} and changes nothing.
     */
    public ReloadResult reload() {
        return reloader.reload();
    }

    /** As {@link #reload()}, with a config given directly. */
    public ReloadResult reload(RouterConfig config) {
        return reloader.apply(config, "config");
    }

    /** The config in force (after reloads; keys that cannot change at runtime as started). */
    public RouterConfig config() {
        return reloader.current();
    }

    public int port(ListenerRole role) {
        return ((InetSocketAddress) listeners.get(role == ListenerRole.PRIMARY ? 0 : 1).localAddress()).getPort();
    }

    public List<PoolStats> poolStats() {
        return pools.stats();
    }

    public int clientCount() {
        return registry.clientCount();
    }

    /** The admin HTTP port, or 0 when it is off. */
    public int adminPort() {
        return admin == null ? 0 : admin.port();
    }

    public RouterMetrics metrics() {
        return metrics;
    }

    /** What the router currently does with the topology: key holder, primary for new work, readable replicas. */
    public RoutingView routingView() {
        return router.view();
    }

    public Topology topology() {
        return topology.current();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        listeners.forEach(Channel::close);
        try {
            switchover.close();
        } catch (Exception e) {
            log.warn("Leaving the cluster's switchovers: {}", e.toString());
        }
        adminTasks.shutdownNow();
        pools.close();
        topology.close();
        // A short quiet period lets the loops finish the closes just asked for: io_uring completes a
        // close asynchronously, and a loop that stops first logs each unfinished one as a rejected task.
        workers.shutdownGracefully(100, 2000, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
        acceptors.shutdownGracefully(100, 2000, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
        log.info("pgwarden router stopped");
    }
}
