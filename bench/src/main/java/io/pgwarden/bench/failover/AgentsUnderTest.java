package io.pgwarden.bench.failover;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.SyncState;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.HaproxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Three pgwarden agents as processes ({@link LocalCluster}, synchronous_mode on) with an etcd of
 * their own, as a {@link ClusterUnderTest}. Whether a member serves as the primary is asked of its
 * PostgreSQL ({@code pg_is_in_recovery()}), not of the agent.
 */
final class AgentsUnderTest implements ClusterUnderTest {

    private static final Logger log = LoggerFactory.getLogger(AgentsUnderTest.class);
    /** The agents' default; their node files set no namespace. */
    private static final String NAMESPACE = "/service/";
    private static final String SCOPE = "bench";
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
    /** Longer than the agent waits for the outcome (ttl + 2 × retry_timeout + 10 s). */
    private static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final EtcdServer etcd;
    private final LocalCluster agents;
    private final HttpClient http = HttpClient.newHttpClient();

    private AgentsUnderTest(Path dir, EtcdServer etcd, LocalCluster agents) {
        this.dir = dir;
        this.etcd = etcd;
        this.agents = agents;
    }

    /** Starts etcd and the agents and returns once the cluster is healthy. */
    static AgentsUnderTest start(int ttl, int loopWait, int retryTimeout, Duration timeout) {
        Path dir;
        try {
            dir = Files.createTempDirectory("pgwarden-bench-agents-");
            // The agents run PostgreSQL as postgres when started as root: it must get through to its data dir.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the agents", e);
        }
        EtcdServer etcd;
        try {
            etcd = EtcdServer.start();
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
        LocalCluster agents = LocalCluster.create(dir, List.of(etcd.clientUrl()),
                LocalCluster.Options.defaults(SCOPE).withTiming(ttl, loopWait, retryTimeout), FreePorts::next);
        AgentsUnderTest under = new AgentsUnderTest(dir, etcd, agents);
        try {
            agents.startAll();
            under.awaitHealthy(timeout);
        } catch (RuntimeException e) {
            under.close();
            throw e;
        }
        return under;
    }

    @Override
    public EtcdServer etcd() {
        return etcd;
    }

    @Override
    public String namespace() {
        return NAMESPACE;
    }

    @Override
    public String scope() {
        return SCOPE;
    }

    @Override
    public String leaderKey() {
        return NAMESPACE + SCOPE + "/leader";
    }

    private String syncKey() {
        return NAMESPACE + SCOPE + "/sync";
    }

    @Override
    public Map<Integer, String> nodeByPort() {
        return agents.nodes().stream().collect(Collectors.toMap(AgentProcess::pgPort, AgentProcess::name));
    }

    @Override
    public int pgPort(String node) {
        return agents.node(node).pgPort();
    }

    @Override
    public List<HaproxyServer.Backend> haproxyBackends() {
        return List.of();
    }

    @Override
    public String awaitLeader(Duration timeout) {
        return awaitLeader(node -> true, timeout, "a leader");
    }

    @Override
    public String awaitNewLeader(String old, Duration timeout) {
        return awaitLeader(node -> !node.equals(old), timeout, "a leader other than " + old);
    }

    private String awaitLeader(Predicate<String> wanted, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nobody holds the leader key";
        while (true) {
            try {
                Optional<String> leader = etcd.get(leaderKey());
                if (leader.isPresent() && wanted.test(leader.get())) {
                    if (isPrimary(leader.get())) {
                        return leader.get();
                    }
                    last = leader.get() + " holds the leader key but its PostgreSQL is not a primary yet";
                } else {
                    last = leader.map(n -> n + " holds the leader key").orElse("nobody holds the leader key");
                }
            } catch (RuntimeException e) {
                last = e.toString();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no " + what + " after " + timeout.toSeconds() + " s (" + last + ")");
            }
            sleep(POLL);
        }
    }

    private boolean isPrimary(String node) {
        try (Connection c = connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT NOT pg_is_in_recovery()")) {
            return r.next() && r.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            String leader = awaitLeader(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            last = health(leader);
            if (last.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the agents' cluster is not healthy after " + timeout.toSeconds()
                        + " s: " + last);
            }
            sleep(POLL);
        }
    }

    /** What is still missing for {@code leader}'s cluster to be healthy; empty if nothing is. */
    private String health(String leader) {
        if (!"off".equals(agents.options().synchronousMode())) {
            Optional<String> sync = etcd.get(syncKey());
            SyncState state = sync.map(new PatroniJson()::readSync).orElse(null);
            if (state == null || !leader.equals(state.leader()) || state.syncStandbys().isEmpty()) {
                return "no synchronous standby of " + leader + " in the sync key (" + sync.orElse("none") + ")";
            }
        }
        try (Connection c = connect(leader); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
            r.next();
            int streaming = r.getInt(1);
            return streaming == agents.nodes().size() - 1 ? ""
                    : streaming + " of " + (agents.nodes().size() - 1) + " standbys stream from " + leader;
        } catch (SQLException e) {
            return "cannot ask " + leader + " for its standbys: " + e.getMessage();
        }
    }

    @Override
    public Connection connect(String node) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "3");
        props.setProperty("socketTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort(node) + "/postgres", props);
    }

    @Override
    public void crashNode(String node) {
        agents.node(node).crash();
    }

    @Override
    public void startNode(String node) {
        agents.node(node).start();
    }

    @Override
    public void crashPostgres(String node) {
        agents.node(node).crashPostgres();
    }

    @Override
    public long freezeAgent(String node) {
        AgentProcess agent = agents.node(node);
        agent.freeze();
        return agent.pid();
    }

    @Override
    public void thawAgent(String node) {
        agents.node(node).thaw();
    }

    /**
     * {@code POST /switchover} to the leader's REST API, as {@code patronictl switchover --leader X
     * --candidate Y --force} posts it: to the synchronous standby in synchronous mode, else to a
     * replica streaming from the leader. The agent answers once the candidate holds the key.
     */
    @Override
    public String switchover() {
        String leader = awaitLeader(LEADER_TIMEOUT);
        String candidate = switchoverCandidate(leader);
        String body = "{\"leader\":\"" + leader + "\",\"candidate\":\"" + candidate + "\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(agents.node(leader).restUrl() + "/switchover"))
                .timeout(SWITCHOVER_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> answer;
        try {
            answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("POST /switchover to " + leader + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /switchover " + body + " to " + leader + " answered "
                    + answer.statusCode() + ": " + answer.body().strip());
        }
        log.info("switchover {} -> {}: {}", leader, candidate, answer.body().strip());
        return awaitNewLeader(leader, LEADER_TIMEOUT);
    }

    /** The synchronous standby named in the sync key, or without synchronous mode a replica streaming from {@code leader}. */
    private String switchoverCandidate(String leader) {
        if (!"off".equals(agents.options().synchronousMode())) {
            SyncState state = etcd.get(syncKey()).map(new PatroniJson()::readSync)
                    .filter(s -> leader.equals(s.leader()) && !s.syncStandbys().isEmpty())
                    .orElseThrow(() -> new IllegalStateException("no synchronous standby of " + leader + " to switch over to"));
            return new TreeSet<>(state.syncStandbys()).first();
        }
        try (Connection c = connect(leader); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'"
                     + " ORDER BY application_name")) {
            Set<String> members = agents.nodes().stream().map(AgentProcess::name).collect(Collectors.toSet());
            while (r.next()) {
                if (members.contains(r.getString(1))) {
                    return r.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask " + leader + " for its standbys", e);
        }
        throw new IllegalStateException("no replica streams from " + leader + " to switch over to");
    }

    /** Each agent's log, PostgreSQL's logs next to its data dir, and etcd's. */
    @Override
    public void saveLogs(Path target) {
        for (AgentProcess node : agents.nodes()) {
            LogFiles.copy(node.log(), target.resolve(node.name() + ".log"));
            Path nodeDir = node.dataDir().getParent();
            if (Files.isDirectory(nodeDir)) {
                try (Stream<Path> files = Files.list(nodeDir)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".log"))
                            .forEach(f -> LogFiles.copy(f, target.resolve(node.name() + "-" + f.getFileName())));
                } catch (IOException e) {
                    log.warn("Could not list {}: {}", nodeDir, e.toString());
                }
            }
        }
        LogFiles.copy(etcd.logFile(), target.resolve("etcd.log"));
    }

    @Override
    public void close() {
        try {
            agents.close();
        } catch (RuntimeException e) {
            log.warn("Could not stop the agents", e);
        }
        etcd.close();
        deleteQuietly(dir);
    }

    @Override
    public String toString() {
        return "AgentsUnderTest[" + agents.nodes() + "]";
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
