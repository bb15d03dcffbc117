package io.pgwarden.launcher;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.discovery.patroni.SyncState;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code pgwarden demo}: etcd, PostgreSQL nodes each with its own agent process (sharing nothing but
 * etcd) and the router following them, all on loopback, in the foreground. Ctrl-C or SIGTERM stops
 * and removes everything it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a throw-away HA PostgreSQL cluster (etcd, agents) and the router in front of it, on loopback.")
final class DemoCommand implements Callable<Integer> {

    static final String SCOPE = "demo";
    /** initdb, then a pg_basebackup per standby, on a small machine that may be busy. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    @Spec
    CommandSpec spec;

    @Option(names = "--primary-port", defaultValue = "5000", description = "router port for the primary (default ${DEFAULT-VALUE})")
    int primaryPort;

    @Option(names = "--replica-port", defaultValue = "5001", description = "router port for the replicas (default ${DEFAULT-VALUE})")
    int replicaPort;

    @Option(names = "--nodes", defaultValue = "3", description = "PostgreSQL nodes, each with its agent (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--admin-port", defaultValue = "5002", description = "admin HTTP port, /metrics and /health (default ${DEFAULT-VALUE})")
    int adminPort;

    @Option(names = "--pool-mode", defaultValue = "transaction", description = "session or transaction (default ${DEFAULT-VALUE})")
    String poolMode;

    /** The option before the demo ran on agents: N replicas are N + 1 nodes. */
    @Option(names = "--replicas", hidden = true)
    Integer replicas;

    int nodeCount() {
        return replicas != null ? replicas + 1 : nodes;
    }

    @Override
    public Integer call() throws Exception {
        int count = nodeCount();
        if (count < 1 || count > 9) {
            throw new ParameterException(spec.commandLine(), "--nodes must be between 1 and 9, not " + count);
        }
        LocalCluster.Options options = LocalCluster.Options.defaults(SCOPE).withNodes(count);
        System.out.println("pgwarden demo: starting etcd and " + count + " PostgreSQL nodes, each with its agent, on loopback ...");
        // From here on Ctrl-C, SIGTERM or a failed start removes whatever has been started.
        ForegroundProcess foreground = ForegroundProcess.begin();
        try {
            DemoCluster cluster = foreground.own(DemoCluster.start(options));
            cluster.awaitHealthy(START_TIMEOUT);
            Path userList = cluster.dir().resolve("userlist.txt");
            Files.writeString(userList, UserList.entry("postgres", "postgres"));
            Path patronictlConfig = writePatronictlConfig(cluster);
            foreground.own(RouterServer.start(config(cluster, options, userList)));
            System.out.println(banner(cluster, options,
                    onPath("patronictl") ? Optional.of(patronictlConfig) : Optional.empty()).render());
        } catch (Exception e) {
            if (foreground.isStopping()) {
                return 130; // Ctrl-C during start-up: what failed is what was being stopped
            }
            foreground.stop(); // in order, before the JVM's shutdown hooks run all at once
            throw e;
        }
        foreground.awaitShutdown();
        return 0;
    }

    private RouterConfig config(DemoCluster cluster, LocalCluster.Options options, Path userList) {
        Duration ttl = Duration.ofSeconds(options.ttl());
        return new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", primaryPort, replicaPort),
                new RouterConfig.Topology(SCOPE, List.of()),
                new RouterConfig.Auth(userList, null),
                new RouterConfig.Pool(poolMode, null, null, null, null, null, null),
                null, null, null,
                new RouterConfig.Dcs(List.of(cluster.etcdUrl()), PatroniKeys.DEFAULT_NAMESPACE, SCOPE,
                        Duration.ofMillis(500), ttl.dividedBy(2), ttl),
                // The demo user may also use the admin console: psql ... -U postgres pgwarden -c 'SHOW POOLS'.
                new RouterConfig.Admin("127.0.0.1", adminPort, null, List.of("postgres"), null));
    }

    /** What {@code patronictl -c} needs to list the cluster: where etcd is, and which keys. */
    private static Path writePatronictlConfig(DemoCluster cluster) throws IOException {
        Path file = cluster.dir().resolve("patronictl.yml");
        String hostPort = cluster.etcdUrl().replaceFirst("^https?://", "");
        Files.writeString(file, "scope: " + SCOPE + "\n"
                + "namespace: " + PatroniKeys.DEFAULT_NAMESPACE + "\n"
                + "etcd3:\n"
                + "  hosts:\n"
                + "    - " + hostPort + "\n");
        return file;
    }

    private DemoBanner banner(DemoCluster cluster, LocalCluster.Options options, Optional<Path> patronictlConfig) {
        String leader = cluster.leader().orElse("");
        SyncState sync = cluster.sync();
        List<DemoBanner.Node> shown = cluster.nodes().stream().map(node -> new DemoBanner.Node(node.name(),
                role(node, leader, sync), node.pgPort(), node.restPort(), node.pid(),
                node.postmaster().map(ProcessHandle::pid).orElse(-1L))).toList();
        return new DemoBanner(cluster.etcdUrl(), SCOPE, PatroniKeys.DEFAULT_NAMESPACE, options.ttl(), shown,
                new DemoBanner.Router(primaryPort, replicaPort, adminPort, poolMode), patronictlConfig, cluster.dir());
    }

    private static String role(AgentProcess node, String leader, SyncState sync) {
        if (node.name().equals(leader)) {
            return DemoBanner.LEADER;
        }
        return leader.equals(sync.leader()) && sync.syncStandbys().contains(node.name())
                ? DemoBanner.SYNC_STANDBY : DemoBanner.REPLICA;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
