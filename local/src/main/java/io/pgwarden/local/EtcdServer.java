package io.pgwarden.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away single-member etcd on 127.0.0.1 (or on addresses in a network namespace, see
 * {@link Options}), data in a temp dir. Gone after {@link #close()}, and
 * also when the JVM dies without closing it (see {@link Reaper}).
 */
public final class EtcdServer implements EtcdStore {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdServer.class);

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/etcd");
    static final String PACKAGE = EtcdProcess.PACKAGE;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Where etcd serves and how it is launched.
     *
     * @param hosts         addresses it serves clients on (one port for all); the first one is also
     *                      its peer address and the one this class talks to, so it must be reachable
     *                      from this JVM
     * @param commandPrefix put before etcd's command line, e.g. {@code ip netns exec NS} to run it in a
     *                      network namespace; empty to run it directly
     */
    public record Options(List<String> hosts, List<String> commandPrefix) {
        public Options {
            hosts = List.copyOf(hosts);
            commandPrefix = List.copyOf(commandPrefix);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("etcd needs at least one address to serve on");
            }
        }

        /** 127.0.0.1, started directly: what {@link #start()} does. */
        public static Options loopback() {
            return new Options(List.of(PostgresNode.HOST), List.of());
        }
    }

    private final Path binary;
    private final Options options;
    private final String clusterToken;
    private final EtcdProcess process;
    private final FixtureDir dir;
    private boolean paused;
    private boolean closed;

    private EtcdServer(Path binary, Options options, String clusterToken, EtcdProcess process, FixtureDir dir) {
        this.binary = binary;
        this.options = options;
        this.clusterToken = clusterToken;
        this.process = process;
        this.dir = dir;
    }

    /**
     * Starts etcd and returns once {@code /health} reports it healthy.
     *
     * @throws IllegalStateException if etcd is not installed or does not become healthy
     */
    public static EtcdServer start() {
        return start(DEFAULT_BINARY);
    }

    /**
     * Starts etcd on the given addresses (with the given command prefix) and returns once
     * {@code /health} at the first address reports it healthy.
     */
    public static EtcdServer start(Options options) {
        return start(DEFAULT_BINARY, options, FreePorts.next(), FreePorts.next(), EtcdProcess.newClusterToken());
    }

    static EtcdServer start(Path binary) {
        return start(binary, Options.loopback(), FreePorts.next(), FreePorts.next(), EtcdProcess.newClusterToken());
    }

    private static EtcdServer start(Path binary, Options options, int clientPort, int peerPort, String clusterToken) {
        EtcdProcess.requireBinary(binary);
        // etcd runs fine as root, so it runs as the JVM's user.
        FixtureDir dir = FixtureDir.create("pgwarden-etcd-", ServerUser.direct(), EtcdProcess.reaperCleanup("etcd.pid"));
        EtcdProcess.Member member = new EtcdProcess.Member("etcd0", clientPort, peerPort, options.hosts(),
                options.commandPrefix());
        EtcdProcess process;
        try {
            process = EtcdProcess.start(binary, member, List.of(member), clusterToken, dir.path());
        } catch (RuntimeException e) {
            dir.delete();
            throw e;
        }
        EtcdServer server = new EtcdServer(binary, options, clusterToken, process, dir);
        OpenFixtures.add(server);
        try {
            process.awaitHealthy(START_TIMEOUT);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Started etcd on {} in {}", member.clientUrls(), dir.path());
        return server;
    }

    /**
     * Kills this etcd, deletes its data and starts a new, empty one on the same ports under a new
     * cluster token: what clients see when etcd is wiped or replaced at the same address (revisions
     * start again from 1, the cluster id changes). This server stays closed; use the one returned.
     */
    public EtcdServer replaceWithEmpty() {
        close();
        EtcdServer replacement = start(binary, options, clientPort(), peerPort(), EtcdProcess.newClusterToken());
        LOG.info("Replaced etcd on {} with an empty one (new cluster id)", clientUrl());
        return replacement;
    }

    /**
     * Kills this etcd, deletes its data and starts it again, empty, with the same ports, name and
     * cluster token: an etcd wiped and restarted by its service manager. Revisions start again from 1
     * but the cluster id stays the same (etcd derives it from the peer URLs and the token). This
     * server stays closed; use the one returned.
     */
    public EtcdServer wipeAndRestart() {
        close();
        EtcdServer restarted = start(binary, options, clientPort(), peerPort(), clusterToken);
        LOG.info("Wiped etcd on {} and started it again, empty (same cluster id)", clientUrl());
        return restarted;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String clientUrl() {
        return process.member().clientUrl();
    }

    /** Every address it serves clients on; the first is {@link #clientUrl()}. */
    @Override
    public List<String> clientUrls() {
        return process.member().clientUrls();
    }

    public int clientPort() {
        return process.member().clientPort();
    }

    public int peerPort() {
        return process.member().peerPort();
    }

    public Path dataDir() {
        return process.dataDir();
    }

    /** etcd's own log (stdout and stderr). */
    public Path logFile() {
        return process.logFile();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Reads one key through etcd's v3 JSON gateway (what {@code etcdctl get} shows, without a process).
     *
     * @return the value as UTF-8, or empty if the key does not exist
     * @throws IllegalStateException if etcd does not answer within 2 s (paused, stopped)
     */
    @Override
    public Optional<String> get(String key) {
        return process.get(key);
    }

    /** Freezes etcd (SIGSTOP): connections stay open, nothing answers. Simulates a hung or partitioned DCS. */
    public synchronized void pause() {
        process.signal("-STOP");
        paused = true;
        LOG.info("Paused etcd on {}", clientUrl());
    }

    /** Thaws etcd after {@link #pause()} (SIGCONT). */
    public synchronized void resume() {
        process.signal("-CONT");
        paused = false;
        LOG.info("Resumed etcd on {}", clientUrl());
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /** Kills etcd and deletes its data; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.kill();
        dir.delete();
        OpenFixtures.remove(this);
        LOG.info("Stopped etcd on {}", clientUrl());
    }

    @Override
    public String toString() {
        return "EtcdServer[" + clientUrl() + "]";
    }
}
