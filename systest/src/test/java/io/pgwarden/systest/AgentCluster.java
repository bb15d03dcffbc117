package io.pgwarden.systest;

import static org.awaitility.Awaitility.await;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.EtcdStore;
import io.pgwarden.local.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd, three agents as processes, and optionally a router following them: the system under test.
 * Everything on loopback (or in a {@link NetworkLab}) in a temp dir; {@link #close()} stops it all,
 * and the agents stop by themselves if this JVM dies.
 *
 * @param <S> the etcd: one {@link EtcdServer} by default, or a cluster of several members
 */
final class AgentCluster<S extends EtcdStore> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentCluster.class);

    S etcd; // EtcdReplacedIT replaces it by a new, empty one
    final LocalCluster agents;
    final PatroniKeys keys;
    final Path dir;
    private RouterServer router; // the first one started: routerUrl's
    private final java.util.List<RouterServer> routers = new java.util.ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private AgentCluster(S etcd, LocalCluster agents, Path dir) {
        this.etcd = etcd;
        this.agents = agents;
        this.dir = dir;
        this.keys = PatroniKeys.of(agents.options().scope());
    }

    static AgentCluster<EtcdServer> start(LocalCluster.Options options) throws IOException {
        return start(options, EtcdServer.start());
    }

    /** Agents on {@code etcd} (every member's URL in their endpoint lists), which this cluster closes. */
    static <S extends EtcdStore> AgentCluster<S> start(LocalCluster.Options options, S etcd) throws IOException {
        Path dir;
        try {
            dir = newDir();
        } catch (IOException | RuntimeException e) {
            etcd.close();
            throw e;
        }
        LocalCluster agents = LocalCluster.create(dir, etcd.clientUrls(), options, FreePorts::next);
        AgentCluster<S> cluster = new AgentCluster<>(etcd, agents, dir);
        try {
            agents.startAll();
            cluster.awaitHealthy(Duration.ofSeconds(120));
        } catch (RuntimeException | Error e) {
            cluster.dumpLogs();
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Takes over an etcd and agents made elsewhere (placed in network namespaces, say) without starting
     * anything; {@link #close()} stops them as it stops its own.
     */
    static <S extends EtcdStore> AgentCluster<S> of(S etcd, LocalCluster agents, Path dir) {
        return new AgentCluster<>(etcd, agents, dir);
    }

    /** A temp dir for the agents' files. */
    static Path newDir() throws IOException {
        Path dir = Files.createTempDirectory("pgwarden-agents-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // postgres must traverse it
        return dir;
    }

    /** A leader and every other node streaming from it, as the leader's pg_stat_replication says. */
    void awaitHealthy(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            String leader = leader().orElseThrow();
            if (!"off".equals(agents.options().synchronousMode())) {
                // Failover needs a synchronous standby named in the sync key.
                var sync = new PatroniJson().readSync(etcd.get(keys.sync()).orElseThrow());
                if (!leader.equals(sync.leader()) || sync.syncStandbys().isEmpty()) {
                    return false;
                }
            }
            try (Connection c = connect(node(leader)); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
                r.next();
                return r.getInt(1) == agents.nodes().size() - 1;
            }
        });
    }

    Optional<String> leader() {
        return etcd.get(keys.leader());
    }

    String awaitLeader(Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> leader().orElse(null), java.util.Objects::nonNull);
    }

    AgentProcess node(String name) {
        return agents.node(name);
    }

    /**
     * The first synchronous standby the sync key names (by name, so a run is repeatable): the candidate
     * a switchover may take.
     */
    String syncStandby() {
        String value = etcd.get(keys.sync()).orElseThrow(() -> new IllegalStateException("no sync key " + keys.sync()));
        return new TreeSet<>(new PatroniJson().readSync(value).syncStandbys()).first();
    }

    /** {@code POST /switchover} to {@code leader}'s REST API; the answer comes once the switchover is done. */
    HttpResponse<String> switchover(String leader, String candidate) throws IOException, InterruptedException {
        String body = "{\"leader\":\"" + leader + "\",\"candidate\":\"" + candidate + "\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(node(leader).restUrl() + "/switchover"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    RouterServer startRouter() throws IOException, InterruptedException {
        return startRouter(dcs -> dcs);
    }

    /** A router whose {@code dcs} section {@code adjust} changes first (TLS files, user). */
    RouterServer startRouter(java.util.function.UnaryOperator<RouterConfig.Dcs> adjust)
            throws IOException, InterruptedException {
        return startRouter("transaction", adjust);
    }

    /**
     * One more router in this JVM, pooling in {@code poolMode} ("session" or "transaction"); every
     * router started is closed with the cluster, and the first one is {@link #routerUrl}'s.
     */
    RouterServer startRouter(String poolMode) throws IOException, InterruptedException {
        return startRouter(poolMode, dcs -> dcs);
    }

    private RouterServer startRouter(String poolMode, java.util.function.UnaryOperator<RouterConfig.Dcs> adjust)
            throws IOException, InterruptedException {
        Path users = dir.resolve("userlist.txt");
        Files.writeString(users, UserList.entry("postgres", "postgres"));
        RouterConfig config = new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                new RouterConfig.Topology(agents.options().scope(), List.of()),
                new RouterConfig.Auth(users, null),
                new RouterConfig.Pool(poolMode, null, null, null, null, null, null),
                null, null, null,
                adjust.apply(new RouterConfig.Dcs(etcd.clientUrls(), PatroniKeys.DEFAULT_NAMESPACE,
                        agents.options().scope(), Duration.ofMillis(500), Duration.ofSeconds(agents.options().ttl() / 2),
                        Duration.ofSeconds(agents.options().ttl()))));
        RouterServer started = RouterServer.start(config);
        routers.add(started);
        if (router == null) {
            router = started;
        }
        return started;
    }

    /** A router, and on the leader the table {@link WriteLoad} writes to: what a scenario under write load starts from. */
    void startRouterAndTable() throws IOException, InterruptedException, SQLException {
        startRouter();
        try (Connection c = connect(node(awaitLeader(Duration.ofSeconds(30))).pgPort())) {
            WriteLoad.createTable(c);
        }
    }

    String routerUrl(ListenerRole role) {
        return routerUrl(router, role);
    }

    static String routerUrl(RouterServer server, ListenerRole role) {
        return "jdbc:postgresql://127.0.0.1:" + server.port(role) + "/postgres";
    }

    static String nodeUrl(int port) {
        return nodeUrl("127.0.0.1", port);
    }

    /** A node's PostgreSQL at its own address (127.0.0.1 unless placed elsewhere). */
    static String nodeUrl(AgentProcess node) {
        return nodeUrl(node.host(), node.pgPort());
    }

    private static String nodeUrl(String host, int port) {
        return "jdbc:postgresql://" + host + ":" + port + "/postgres";
    }

    static Connection connect(int port) throws SQLException {
        return connect(nodeUrl(port));
    }

    static Connection connect(AgentProcess node) throws SQLException {
        return connect(nodeUrl(node));
    }

    private static Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "3");
        props.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(url, props);
    }

    /** Every id in {@code acked}, as the given node's table has them. */
    static java.util.Set<Long> idsOn(int port) throws SQLException {
        return idsOn(connect(port));
    }

    static java.util.Set<Long> idsOn(AgentProcess node) throws SQLException {
        return idsOn(connect(node));
    }

    private static java.util.Set<Long> idsOn(Connection connection) throws SQLException {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        try (Connection c = connection; Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id FROM acked")) {
            while (r.next()) {
                ids.add(r.getLong(1));
            }
        }
        return ids;
    }

    /** The agents' logs outlive the temp dir, under target/agent-logs, for a failed run to be read. */
    private void keepLogs() {
        try {
            Path target = Path.of("target", "agent-logs", agents.options().scope() + "-" + System.currentTimeMillis());
            Files.createDirectories(target);
            for (AgentProcess node : agents.nodes()) {
                if (Files.exists(node.log())) {
                    Files.copy(node.log(), target.resolve(node.name() + ".log"));
                }
                try (var files = Files.list(node.dataDir().getParent())) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                        Files.copy(f, target.resolve(node.name() + "-" + f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException ignored) {
                    // no PostgreSQL log yet
                }
            }
            LOG.info("Agent logs kept in {}", target.toAbsolutePath());
        } catch (IOException e) {
            LOG.warn("could not keep the agent logs: {}", e.toString());
        }
    }

    void dumpLogs() {
        for (AgentProcess node : agents.nodes()) {
            try {
                List<String> lines = Files.readAllLines(node.log());
                LOG.info("---- last lines of {} ----\n{}", node.name(),
                        String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
            } catch (IOException e) {
                LOG.info("no log for {}", node.name());
            }
        }
    }

    @Override
    public void close() {
        for (RouterServer r : routers) {
            r.close();
        }
        agents.close();
        etcd.close();
        keepLogs();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }
}
