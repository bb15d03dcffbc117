package io.pgwarden.systest;

import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two network namespaces of the test's own, so that one node can be cut off from etcd while clients
 * still reach it: etcd runs in {@code <prefix>-dcs}, node1 (agent and PostgreSQL) in {@code <prefix>-n1},
 * everything else in the root namespace. Three veth pairs, each its own /24 in 10.213.0.0/16:
 * <pre>
 *   root  [.0.1] ---- [.0.2]  dcs      the others and the test reach etcd
 *   root  [.1.1] ---- [.1.2]  n1       everybody reaches node1, node1 reaches everybody
 *   n1    [.2.2] ---- [.2.1]  dcs      node1 reaches etcd: the link that {@link #cutNodeFromDcs()} takes down
 * </pre>
 * Every address is directly connected, so no routes and no forwarding are needed. Names carry a random
 * prefix ({@code pgwtXXXX}); {@link #close()} deletes the namespaces and the root-side veths, and so do a
 * shutdown hook and a detached reaper shell (for a JVM killed outright).
 */
final class NetworkLab implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkLab.class);
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    private static final String NET = "10.213.";

    /** The lab cannot be made here (no {@code ip}, or creating a namespace is not permitted). */
    static final class Unavailable extends Exception {
        Unavailable(String reason) {
            super(reason);
        }
    }

    private final String prefix;
    private final int base;
    private final List<String> created = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::deleteAll, "network-lab-cleanup");
    private Process reaper;
    private boolean closed;

    private NetworkLab(String prefix, int base) {
        this.prefix = prefix;
        this.base = base;
    }

    /**
     * Creates the namespaces and links, up and addressed.
     *
     * @throws Unavailable if {@code ip netns add} is not possible here (the test should skip)
     */
    static NetworkLab create() throws Unavailable {
        String prefix = "pgwt" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        NetworkLab lab = new NetworkLab(prefix, freeBlock());
        try {
            lab.probe();
            lab.build();
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** {@code <prefix>-dcs}, where etcd runs. */
    String dcsNamespace() {
        return prefix + "-dcs";
    }

    /** {@code <prefix>-n1}, where node1 runs. */
    String nodeNamespace() {
        return prefix + "-n1";
    }

    /** {@code ip netns exec <dcs>}: a command prefix that runs a program in the dcs namespace. */
    List<String> inDcs() {
        return List.of("ip", "netns", "exec", dcsNamespace());
    }

    /** {@code ip netns exec <n1>}. */
    List<String> inNode() {
        return List.of("ip", "netns", "exec", nodeNamespace());
    }

    /** etcd's address on the root link: what the root namespace (other nodes, router, test) dials. */
    String dcsForRoot() {
        return address(0, 2);
    }

    /** etcd's address on node1's link: what node1 dials. */
    String dcsForNode() {
        return address(2, 1);
    }

    /** node1's address on its link to the root namespace: its PostgreSQL and REST API listen there. */
    String nodeAddress() {
        return address(1, 2);
    }

    /** The root namespace's end of node1's link: the other nodes listen there, so node1 reaches them. */
    String rootAddress() {
        return address(1, 1);
    }

    /** One CIDR covering every lab address, for pg_hba. */
    String cidr() {
        return NET + base + ".0/22";
    }

    /** Takes the dcs end of node1's etcd link down: node1 loses etcd, nothing else changes. */
    void cutNodeFromDcs() {
        ip("-n", dcsNamespace(), "link", "set", prefix + "-dn", "down");
        LOG.info("Cut {} off from etcd ({} down in {})", nodeNamespace(), prefix + "-dn", dcsNamespace());
    }

    void healNodeToDcs() {
        ip("-n", dcsNamespace(), "link", "set", prefix + "-dn", "up");
        LOG.info("Healed the link between {} and {}", nodeNamespace(), dcsNamespace());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (and finds nothing left) anyway
        }
        if (reaper != null) {
            reaper.destroy();
        }
    }

    private void probe() throws Unavailable {
        CommandResult result;
        try {
            result = Commands.run(IP_TIMEOUT, "ip", "netns", "add", dcsNamespace());
        } catch (UncheckedIOException e) {
            throw new Unavailable("cannot run ip (iproute2): " + e.getMessage());
        }
        if (!result.succeeded()) {
            throw new Unavailable("ip netns add is not permitted here: " + result.stderr().strip());
        }
        created.add(dcsNamespace());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        startReaper();
    }

    private void build() {
        ip("netns", "add", nodeNamespace());
        created.add(nodeNamespace());
        ip("-n", dcsNamespace(), "link", "set", "lo", "up");
        ip("-n", nodeNamespace(), "link", "set", "lo", "up");
        // root <-> dcs
        ip("link", "add", prefix + "-rd", "type", "veth", "peer", "name", prefix + "-dr", "netns", dcsNamespace());
        created.add(prefix + "-rd");
        addressAndUp(null, prefix + "-rd", address(0, 1));
        addressAndUp(dcsNamespace(), prefix + "-dr", address(0, 2));
        // root <-> n1
        ip("link", "add", prefix + "-rn", "type", "veth", "peer", "name", prefix + "-nr", "netns", nodeNamespace());
        created.add(prefix + "-rn");
        addressAndUp(null, prefix + "-rn", address(1, 1));
        addressAndUp(nodeNamespace(), prefix + "-nr", address(1, 2));
        // n1 <-> dcs, made inside the namespaces: nothing of it is ever in the root namespace
        ip("-n", nodeNamespace(), "link", "add", prefix + "-nd", "type", "veth", "peer", "name", prefix + "-dn",
                "netns", dcsNamespace());
        addressAndUp(nodeNamespace(), prefix + "-nd", address(2, 2));
        addressAndUp(dcsNamespace(), prefix + "-dn", address(2, 1));
        LOG.info("Network lab {}: etcd {} (root) / {} (n1), node1 {}, root side {}", prefix, dcsForRoot(),
                dcsForNode(), nodeAddress(), rootAddress());
    }

    private void addressAndUp(String namespace, String device, String address) {
        List<String> in = namespace == null ? List.of() : List.of("-n", namespace);
        List<String> add = new ArrayList<>(in);
        add.addAll(List.of("addr", "add", address + "/24", "dev", device));
        ip(add.toArray(String[]::new));
        List<String> up = new ArrayList<>(in);
        up.addAll(List.of("link", "set", device, "up"));
        ip(up.toArray(String[]::new));
    }

    /** Root-side veths first (deleting one end deletes its peer), then the namespaces; failures only logged. */
    private synchronized void deleteAll() {
        List<String> reversed = new ArrayList<>(created);
        java.util.Collections.reverse(reversed);
        for (String thing : reversed) {
            boolean namespace = thing.endsWith("-dcs") || thing.endsWith("-n1");
            CommandResult result = Commands.run(IP_TIMEOUT,
                    namespace ? new String[] {"ip", "netns", "del", thing} : new String[] {"ip", "link", "del", thing});
            if (!result.succeeded()) {
                LOG.warn("Could not delete {}: {}", thing, result.stderr().strip());
            }
        }
        if (!created.isEmpty()) {
            LOG.info("Network lab {} deleted", prefix);
        }
        created.clear();
    }

    /**
     * A detached shell that deletes the lab once this JVM is gone without closing it (killed by a
     * timeout); it exits by itself once the dcs namespace is gone.
     */
    private void startReaper() {
        String script = "jvm=" + ProcessHandle.current().pid() + "\n"
                + "while [ -d /proc/$jvm ] && [ -e /run/netns/" + dcsNamespace() + " ]; do sleep 1; done\n"
                + "[ -e /run/netns/" + dcsNamespace() + " ] || exit 0\n"
                + "ip link del " + prefix + "-rd; ip link del " + prefix + "-rn\n"
                + "ip netns del " + nodeNamespace() + "; ip netns del " + dcsNamespace() + "\n";
        try {
            reaper = new ProcessBuilder("setsid", "sh", "-c", script)
                    .directory(Path.of("/").toFile())
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            LOG.warn("No reaper for network lab {} (the shutdown hook remains): {}", prefix, e.toString());
        }
    }

    private String address(int subnet, int host) {
        return NET + (base + subnet) + "." + host;
    }

    /** A /22 in 10.213.0.0/16 that no address of the root namespace uses (another lab, say). */
    private static int freeBlock() {
        String used = Commands.run(IP_TIMEOUT, "ip", "-4", "-o", "addr").stdout();
        int start = ThreadLocalRandom.current().nextInt(64);
        for (int i = 0; i < 64; i++) {
            int base = 4 * ((start + i) % 64);
            boolean taken = false;
            for (int subnet = 0; subnet < 4; subnet++) {
                taken |= used.contains(" " + NET + (base + subnet) + ".");
            }
            if (!taken) {
                return base;
            }
        }
        throw new IllegalStateException("every /22 of " + NET + "0.0/16 is in use in the root namespace");
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Commands.run(command, java.util.Map.of(), null, IP_TIMEOUT).requireSuccess(String.join(" ", command));
    }

    @Override
    public String toString() {
        return "NetworkLab[" + prefix + ", " + cidr() + "]";
    }
}
