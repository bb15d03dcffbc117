package io.pgwarden.launcher;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.discovery.patroni.SyncState;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's cluster: etcd and one agent process per node, sharing nothing but etcd, in a temp dir
 * that {@link #close()} removes after stopping the agents (each stops its PostgreSQL) and etcd.
 */
final class DemoCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoCluster.class);
    private static final Duration POLL = Duration.ofMillis(250);

    private final Path dir;
    private final EtcdServer etcd;
    private final LocalCluster agents;
    private final PatroniKeys keys;
    private final PatroniJson json = new PatroniJson();
    private volatile boolean keepLogs;

    private DemoCluster(Path dir, EtcdServer etcd, LocalCluster agents) {
        this.dir = dir;
        this.etcd = etcd;
        this.agents = agents;
        this.keys = PatroniKeys.of(agents.options().scope());
    }

    /** Starts etcd and the agents; {@link #awaitHealthy} waits for them to form the cluster. */
    static DemoCluster start(LocalCluster.Options options) {
        Path dir = createDir();
        EtcdServer etcd;
        LocalCluster agents;
        try {
            etcd = EtcdServer.start();
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
        try {
            agents = LocalCluster.create(dir, List.of(etcd.clientUrl()), options, FreePorts::next);
        } catch (RuntimeException e) {
            etcd.close();
            deleteQuietly(dir);
            throw e;
        }
        DemoCluster cluster = new DemoCluster(dir, etcd, agents);
        try {
            agents.startAll();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static Path createDir() {
        try {
            Path dir = Files.createTempDirectory("pgwarden-demo-");
            // The agents run PostgreSQL as the postgres OS user when we are root: it must reach its data dir.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo's temp dir", e);
        }
    }

    /**
     * Waits until one node leads and every other node streams from it.
     *
     * @throws IllegalStateException when that does not happen within {@code timeout}, naming the
     *                               agents' logs, which {@link #close()} then keeps
     */
    void awaitHealthy(Duration timeout) {
        try {
            pollUntilHealthy(timeout);
        } catch (RuntimeException e) {
            keepLogs = true;
            throw e;
        }
    }

    private void pollUntilHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String missing = "no answer yet";
        while (System.nanoTime() < deadline) {
            for (AgentProcess node : agents.nodes()) {
                if (!node.isAlive()) {
                    throw new IllegalStateException("the agent of " + node.name() + " exited during start-up; its log: "
                            + node.log());
                }
            }
            try {
                Optional<String> notYet = whatIsMissing();
                if (notYet.isEmpty()) {
                    LOG.info("Cluster {} is healthy: leader {}", scope(), leader().orElseThrow());
                    return;
                }
                missing = notYet.get();
            } catch (RuntimeException | SQLException e) {
                missing = e.getMessage();
            }
            sleep(POLL);
        }
        throw new IllegalStateException("no healthy cluster after " + timeout.toSeconds() + " s (" + missing
                + "); the agents' logs: " + logFiles());
    }

    /** Empty once a leader holds the key, has a synchronous standby and every other node streams from it. */
    private Optional<String> whatIsMissing() throws SQLException {
        Optional<String> leader = leader();
        if (leader.isEmpty()) {
            return Optional.of("no leader in etcd");
        }
        int others = agents.nodes().size() - 1;
        if (others > 0 && !"off".equals(agents.options().synchronousMode())) {
            // A failover needs a synchronous standby named in the sync key.
            SyncState sync = sync();
            if (!leader.get().equals(sync.leader()) || sync.syncStandbys().isEmpty()) {
                return Optional.of("no synchronous standby of " + leader.get() + " yet");
            }
        }
        int streaming = streamingStandbys(agents.node(leader.get()).pgPort());
        return streaming == others ? Optional.empty()
                : Optional.of(streaming + " of " + others + " standbys stream from " + leader.get());
    }

    private static int streamingStandbys(int leaderPort) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "3");
        props.setProperty("socketTimeout", "5");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + leaderPort + "/postgres", props);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** The holder of the leader key. */
    Optional<String> leader() {
        return etcd.get(keys.leader());
    }

    /** The sync key; empty when there is none. */
    SyncState sync() {
        return etcd.get(keys.sync()).map(json::readSync).orElse(new SyncState(null, null, null));
    }

    String etcdUrl() {
        return etcd.clientUrl();
    }

    String scope() {
        return agents.options().scope();
    }

    Path dir() {
        return dir;
    }

    List<AgentProcess> nodes() {
        return agents.nodes();
    }

    private String logFiles() {
        return agents.nodes().stream().map(n -> n.log().toString()).collect(Collectors.joining(", "));
    }

    /**
     * Stops the agents (each stops its PostgreSQL cleanly) and etcd, then removes the temp dir; after
     * a failed start only the data directories go, the logs stay for reading.
     */
    @Override
    public void close() {
        agents.close();
        etcd.close();
        if (keepLogs) {
            agents.nodes().forEach(node -> deleteQuietly(node.dataDir()));
            LOG.info("Kept the logs in {}", dir);
        } else {
            deleteQuietly(dir);
            LOG.info("Removed {}", dir);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            TempDirs.deleteTree(path);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", path, e.toString());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }
}
