package io.pgwarden.agent.local;

import java.util.List;
import java.util.Objects;

/**
 * Where one node of a {@link LocalCluster} runs and what it reaches: every node is on loopback unless a
 * test puts one elsewhere (a network namespace of its own, to cut it off from etcd alone).
 *
 * @param host          the address its PostgreSQL and REST API listen on, and the one others dial
 * @param etcd          the etcd client URLs this node dials
 * @param commandPrefix put before the agent's command line, e.g. {@code ip netns exec NS}; the agent's
 *                      PostgreSQL inherits what it sets up; empty to start the agent directly
 * @param pgHba         pg_hba.conf lines for this node; empty for the agent's defaults (loopback only)
 */
public record NodePlacement(String host, List<String> etcd, List<String> commandPrefix, List<String> pgHba) {

    public static final String LOOPBACK = "127.0.0.1";

    public NodePlacement {
        Objects.requireNonNull(host, "host");
        etcd = List.copyOf(etcd);
        commandPrefix = List.copyOf(commandPrefix);
        pgHba = List.copyOf(pgHba);
        if (etcd.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one etcd URL");
        }
    }

    /** 127.0.0.1, started directly, the agent's pg_hba defaults: what every node of a plain cluster gets. */
    public static NodePlacement loopback(List<String> etcd) {
        return new NodePlacement(LOOPBACK, etcd, List.of(), List.of());
    }

    /** {@code host:port}, with brackets for an IPv6 host. */
    String address(int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
