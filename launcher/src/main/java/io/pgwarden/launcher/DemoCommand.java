package io.pgwarden.launcher;

import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pgwarden demo}: a primary, streaming replicas and the router, all on loopback, in the
 * foreground. Ctrl-C or SIGTERM stops and removes everything it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a throw-away PostgreSQL cluster and the router in front of it, on loopback.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--primary-port", defaultValue = "5000", description = "router port for the primary (default ${DEFAULT-VALUE})")
    int primaryPort;

    @Option(names = "--replica-port", defaultValue = "5001", description = "router port for the replicas (default ${DEFAULT-VALUE})")
    int replicaPort;

    @Option(names = "--replicas", defaultValue = "2", description = "streaming replicas to start (default ${DEFAULT-VALUE})")
    int replicas;

    @Option(names = "--admin-port", defaultValue = "5002", description = "admin HTTP port, /metrics and /health (default ${DEFAULT-VALUE})")
    int adminPort;

    @Option(names = "--pool-mode", defaultValue = "transaction", description = "session or transaction (default ${DEFAULT-VALUE})")
    String poolMode;

    @Override
    public Integer call() throws Exception {
        System.out.println("pgwarden demo: starting a primary and " + replicas + " replicas on loopback ...");
        PostgresCluster cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(replicas));
        RouterServer router;
        try {
            router = RouterServer.start(config(cluster, writeUserList(cluster)));
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        printBanner(cluster);
        ForegroundProcess.awaitShutdown(cluster, router);
        return 0;
    }

    private static Path writeUserList(PostgresCluster cluster) throws java.io.IOException {
        Path file = cluster.tempDir().resolve("userlist.txt");
        Files.writeString(file, UserList.entry("postgres", "postgres"));
        return file;
    }

    private RouterConfig config(PostgresCluster cluster, Path userList) {
        List<RouterConfig.Member> members = new ArrayList<>();
        for (PostgresNode node : cluster.nodes()) {
            boolean primary = node == cluster.primary();
            members.add(new RouterConfig.Member(node.name(), node.host(), node.port(), primary ? "primary" : "replica"));
        }
        return new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", primaryPort, replicaPort),
                new RouterConfig.Topology("demo", members),
                new RouterConfig.Auth(userList, null),
                new RouterConfig.Pool(poolMode, null, null, null, null, null, null),
                null, null, null, null,
                // The demo user may also use the admin console: psql ... -U postgres pgwarden -c 'SHOW POOLS'.
                new RouterConfig.Admin("127.0.0.1", adminPort, null, List.of("postgres"), null));
    }

    private void printBanner(PostgresCluster cluster) {
        StringBuilder banner = new StringBuilder("\npgwarden demo is up (Ctrl-C stops and removes everything)\n");
        for (PostgresNode node : cluster.nodes()) {
            banner.append(String.format("  %-4s %-8s 127.0.0.1:%d%n", node.name(),
                    node == cluster.primary() ? "primary" : "replica", node.port()));
        }
        banner.append(String.format("  router   primary  127.0.0.1:%d   replicas 127.0.0.1:%d   (%s pooling)%n",
                        primaryPort, replicaPort, poolMode))
                .append(String.format("  admin    http://127.0.0.1:%d/metrics   http://127.0.0.1:%d/health%n", adminPort, adminPort))
                .append("  user postgres, password postgres, database postgres\n\n")
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres postgres   # read-write%n", primaryPort))
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres postgres   # read-only%n", replicaPort))
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres pgwarden -c 'SHOW POOLS'   # admin console%n",
                        primaryPort));
        System.out.println(banner);
    }
}
