package io.pgwarden.agent.local;

import io.pgwarden.discovery.etcd.EtcdSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of agents on loopback, each its own process sharing nothing but etcd: what the demo, the
 * failover benchmark and the tests run; a test may place nodes elsewhere ({@link NodePlacement}).
 * Writes one node YAML per member under {@code baseDir}, starts
 * {@code java io.pgwarden.agent.AgentMain -c nodeN.yml} with this JVM's class path, and stops them
 * (SIGTERM, then SIGKILL) on {@link #close()}. Agents also exit on their own when this JVM dies.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    /**
     * @param synchronousMode off, on or quorum
     * @param parameters      extra cluster-wide postgresql parameters
     * @param callbacks       {@code postgresql.callbacks} command lines by key ({@code on_start} ...), the
     *                        same for every node; {@code {name}} in them becomes the node's name
     * @param etcdSecurity    TLS files and user every agent's {@code etcd:} section gets
     */
    public record Options(String scope, int nodes, int ttl, int loopWait, int retryTimeout, String synchronousMode,
                          boolean synchronousModeStrict, int primaryStartTimeout, Map<String, Object> parameters,
                          Map<String, Map<String, Object>> tags, Map<String, String> callbacks,
                          EtcdSecurity etcdSecurity) {

        public Options {
            callbacks = callbacks == null ? Map.of() : Map.copyOf(callbacks);
            Objects.requireNonNull(etcdSecurity, "etcdSecurity");
        }

        public Options(String scope, int nodes, int ttl, int loopWait, int retryTimeout, String synchronousMode,
                       boolean synchronousModeStrict, int primaryStartTimeout, Map<String, Object> parameters,
                       Map<String, Map<String, Object>> tags) {
            this(scope, nodes, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict, primaryStartTimeout,
                    parameters, tags, Map.of(), EtcdSecurity.NONE);
        }

        public static Options defaults(String scope) {
            return new Options(scope, 3, 10, 2, 3, "on", false, 10, Map.of(), Map.of());
        }

        /** Agents that reach etcd with these TLS files and this user. */
        public Options withEtcdSecurity(EtcdSecurity security) {
            return new Options(scope, nodes, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict,
                    primaryStartTimeout, parameters, tags, callbacks, security);
        }

        public Options withTiming(int ttl, int loopWait, int retryTimeout) {
            return new Options(scope, nodes, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict,
                    primaryStartTimeout, parameters, tags, callbacks, etcdSecurity);
        }

        public Options withSynchronousMode(String mode, boolean strict) {
            return new Options(scope, nodes, ttl, loopWait, retryTimeout, mode, strict, primaryStartTimeout, parameters,
                    tags, callbacks, etcdSecurity);
        }

        public Options withNodes(int count) {
            return new Options(scope, count, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict,
                    primaryStartTimeout, parameters, tags, callbacks, etcdSecurity);
        }

        public Options withTags(String node, Map<String, Object> nodeTags) {
            Map<String, Map<String, Object>> all = new LinkedHashMap<>(tags);
            all.put(node, nodeTags);
            return new Options(scope, nodes, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict,
                    primaryStartTimeout, parameters, all, callbacks, etcdSecurity);
        }

        public Options withCallbacks(Map<String, String> commands) {
            return new Options(scope, nodes, ttl, loopWait, retryTimeout, synchronousMode, synchronousModeStrict,
                    primaryStartTimeout, parameters, tags, commands, etcdSecurity);
        }
    }

    private final Path baseDir;
    private final Options options;
    private final Map<String, AgentProcess> nodes = new LinkedHashMap<>();
    private final List<String> etcd;

    private LocalCluster(Path baseDir, Options options, List<String> etcd) {
        this.baseDir = baseDir;
        this.options = options;
        this.etcd = List.copyOf(etcd);
    }

    /**
     * Writes the node files ({@code node1} ... on free loopback ports) without starting anything.
     *
     * @param ports picks a free port; called twice per node (PostgreSQL, REST)
     */
    public static LocalCluster create(Path baseDir, List<String> etcd, Options options, PortPicker ports) {
        NodePlacement loopback = NodePlacement.loopback(etcd);
        return create(baseDir, options, ports, name -> loopback);
    }

    /**
     * Writes the node files without starting anything, each node where {@code placement} puts it.
     *
     * @param ports     picks a port free at every node's address; called twice per node (PostgreSQL, REST)
     * @param placement for {@code node1}, {@code node2} ...: its address, etcd URLs, command prefix, pg_hba
     */
    public static LocalCluster create(Path baseDir, Options options, PortPicker ports,
                                      Function<String, NodePlacement> placement) {
        Map<String, NodePlacement> placements = new LinkedHashMap<>();
        Set<String> etcd = new LinkedHashSet<>();
        for (int i = 1; i <= options.nodes(); i++) {
            NodePlacement place = Objects.requireNonNull(placement.apply("node" + i), "placement of node" + i);
            placements.put("node" + i, place);
            etcd.addAll(place.etcd());
        }
        LocalCluster cluster = new LocalCluster(baseDir, options, List.copyOf(etcd));
        placements.forEach((name, place) -> {
            int pgPort = ports.next();
            int restPort = ports.next();
            Path config = baseDir.resolve(name + ".yml");
            try {
                Files.createDirectories(baseDir);
                Files.writeString(config, NodeYaml.render(name, options, place, pgPort, restPort,
                        baseDir.resolve(name).resolve("data"), options.tags().getOrDefault(name, Map.of())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + config, e);
            }
            cluster.nodes.put(name, new AgentProcess(name, place, config, baseDir.resolve(name + ".log"), pgPort,
                    restPort, baseDir.resolve(name).resolve("data")));
        });
        return cluster;
    }

    /** Something that hands out free TCP ports on 127.0.0.1. */
    public interface PortPicker {
        int next();
    }

    public void startAll() {
        nodes.values().forEach(AgentProcess::start);
    }

    public AgentProcess node(String name) {
        AgentProcess node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in " + nodes.keySet());
        }
        return node;
    }

    public List<AgentProcess> nodes() {
        return Collections.unmodifiableList(new ArrayList<>(nodes.values()));
    }

    public Options options() {
        return options;
    }

    /** Every etcd URL some node dials (all nodes dial the same ones unless placed apart). */
    public List<String> etcd() {
        return etcd;
    }

    public Path baseDir() {
        return baseDir;
    }

    /** Stops every agent cleanly (each stops its PostgreSQL), then kills what is left. */
    @Override
    public void close() {
        for (AgentProcess node : nodes.values()) {
            node.thawQuietly();
            node.terminate();
        }
        for (AgentProcess node : nodes.values()) {
            node.awaitExit(Duration.ofSeconds(30));
            node.killEverything();
        }
        LOG.info("Stopped the agents of {}", options.scope());
    }
}
