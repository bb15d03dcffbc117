package io.pgwarden.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code pgwarden demo} prints once the cluster is up: where everything runs, how to connect,
 * and a few things to try.
 *
 * @param ttl              the leader lease, seconds: how long a crashed leader keeps the key
 * @param patronictlConfig the file for {@code patronictl -c}; empty when patronictl is not installed
 */
record DemoBanner(String etcdUrl, String scope, String namespace, int ttl, List<Node> nodes, Router router,
                  Optional<Path> patronictlConfig, Path dir) {

    static final String LEADER = "leader";
    static final String SYNC_STANDBY = "sync standby";
    static final String REPLICA = "replica";

    /** One node as the banner shows it; a pid of -1 means no such process runs. */
    record Node(String name, String role, int pgPort, int restPort, long agentPid, long postmasterPid) {
        Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(role, "role");
        }
    }

    record Router(int primaryPort, int replicaPort, int adminPort, String poolMode) {
    }

    DemoBanner {
        nodes = List.copyOf(nodes);
    }

    String render() {
        StringBuilder out = new StringBuilder("\npgwarden demo is up (Ctrl-C stops and removes everything)\n");
        out.append(String.format("  etcd     %s   scope %s   (keys under %s%s/)%n", etcdUrl, scope, namespace, scope));
        out.append(String.format("  %-6s %-13s %-17s %-24s %-10s %s%n", "node", "role", "PostgreSQL", "REST API",
                "agent pid", "postgres pid"));
        for (Node node : nodes) {
            out.append(String.format("  %-6s %-13s %-17s %-24s %-10s %s%n", node.name(), node.role(),
                    "127.0.0.1:" + node.pgPort(), restUrl(node), pid(node.agentPid()), pid(node.postmasterPid())));
        }
        out.append(String.format("  router   primary  127.0.0.1:%d   replicas 127.0.0.1:%d   (%s pooling)%n",
                        router.primaryPort(), router.replicaPort(), router.poolMode()))
                .append(String.format("  admin    http://127.0.0.1:%d/metrics   http://127.0.0.1:%d/health%n",
                        router.adminPort(), router.adminPort()))
                .append("  user postgres, password postgres, database postgres\n\n")
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres postgres   # read-write%n",
                        router.primaryPort()))
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres postgres   # read-only%n",
                        router.replicaPort()))
                .append(String.format("  PGPASSWORD=postgres psql -h 127.0.0.1 -p %d -U postgres pgwarden -c 'SHOW POOLS'   # admin console%n",
                        router.primaryPort()));
        out.append("\nTry:\n");
        Optional<Node> leader = nodes.stream().filter(n -> n.role().equals(LEADER)).findFirst();
        leader.ifPresent(n -> out.append(String.format("  curl -s %s/patroni   # the leader's status (Patroni's REST API)%n",
                restUrl(n))));
        out.append(String.format("  etcdctl --endpoints %s get --prefix %s%s/   # the cluster's keys in etcd%n",
                etcdUrl, namespace, scope));
        patronictlConfig.ifPresent(file -> out.append(String.format("  patronictl -c %s list   # Patroni's own view of it%n", file)));
        leader.ifPresent(n -> out.append(String.format(
                "  kill -9 %s   # crash the leader %s (agent and postmaster): another node leads within the ttl (%d s)%n",
                crashPids(n), n.name(), ttl)));
        out.append(String.format("  logs: agents %s/nodeN.log, PostgreSQL %s/nodeN/nodeN.log%n", dir, dir));
        return out.toString();
    }

    private static String restUrl(Node node) {
        return "http://127.0.0.1:" + node.restPort();
    }

    private static String pid(long pid) {
        return pid < 0 ? "-" : String.valueOf(pid);
    }

    private static String crashPids(Node node) {
        return node.postmasterPid() < 0 ? String.valueOf(node.agentPid()) : node.agentPid() + " " + node.postmasterPid();
    }
}
