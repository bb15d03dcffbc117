package io.pgwarden.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
    private static final Duration ETCDCTL_TIMEOUT = Duration.ofSeconds(15);

    /**
     * Where etcd serves and how it is launched.
     *
     * @param hosts         addresses it serves clients on (one port for all); the first one is also
     *                      its peer address and the one this class talks to, so it must be reachable
     *                      from this JVM
     * @param commandPrefix put before etcd's command line, e.g. {@code ip netns exec NS} to run it in a
     *                      network namespace; empty to run it directly
     * @param tls           serve clients over https with these files; empty for plain http
     */
    public record Options(List<String> hosts, List<String> commandPrefix, Optional<Tls> tls) {
        public Options {
            hosts = List.copyOf(hosts);
            commandPrefix = List.copyOf(commandPrefix);
            Objects.requireNonNull(tls, "tls");
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("etcd needs at least one address to serve on");
            }
        }

        public Options(List<String> hosts, List<String> commandPrefix) {
            this(hosts, commandPrefix, Optional.empty());
        }

        /** 127.0.0.1, started directly: what {@link #start()} does. */
        public static Options loopback() {
            return new Options(List.of(PostgresNode.HOST), List.of());
        }

        /** The same, serving clients over https only. */
        public Options withTls(Tls tls) {
            return new Options(hosts, commandPrefix, Optional.of(tls));
        }
    }

    /**
     * etcd's client TLS: {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file} and,
     * when {@code clientCertAuth}, {@code --client-cert-auth} (clients must present a certificate
     * the CA signed). Peers stay on plain http: one member has none.
     *
     * @param clientCert a certificate (and key) the CA signed for clients, which this class uses for
     *                   its own requests (etcdctl); required with {@code clientCertAuth}
     */
    public record Tls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth,
                      Optional<Path> clientCert, Optional<Path> clientKey) {
        public Tls {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(trustedCaFile, "trustedCaFile");
            Objects.requireNonNull(clientCert, "clientCert");
            Objects.requireNonNull(clientKey, "clientKey");
            if (clientCert.isPresent() != clientKey.isPresent()) {
                throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
            }
            if (clientCertAuth && clientCert.isEmpty()) {
                throw new IllegalArgumentException("with client certificate auth, a client certificate is needed"
                        + " for this class's own requests");
            }
        }

        /** Server certificate and key, the CA clients must be signed by, and one such client certificate. */
        public static Tls requiringClientCerts(Path certFile, Path keyFile, Path trustedCaFile, Path clientCert,
                                               Path clientKey) {
            return new Tls(certFile, keyFile, trustedCaFile, true, Optional.of(clientCert), Optional.of(clientKey));
        }

        /** Server certificate and key only: clients check etcd, etcd does not check them. */
        public static Tls serverOnly(Path certFile, Path keyFile, Path trustedCaFile) {
            return new Tls(certFile, keyFile, trustedCaFile, false, Optional.empty(), Optional.empty());
        }
    }

    private final Path binary;
    private final Options options;
    private final String clusterToken;
    private final EtcdProcess process;
    private final FixtureDir dir;
    private volatile Optional<String> rootPassword = Optional.empty();
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
                options.commandPrefix(), options.tls(), options.tls().isPresent() ? FreePorts.next() : 0);
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

    /** {@code http://127.0.0.1:PORT}, or {@code https://} with TLS. */
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
        if (options.tls().isEmpty() && rootPassword.isEmpty()) {
            return process.get(key);
        }
        CommandResult result = etcdctl("get", key, "-w", "json");
        return EtcdProcess.valueOf(result.stdout());
    }

    /**
     * Turns on etcd's authentication: creates user {@code root} with {@code password} and the root
     * role, then enables auth. From then on every client needs a user name and password (or, with
     * client certificate auth, a certificate whose CN names a user); this class uses root's.
     *
     * @throws IllegalStateException if etcdctl is not installed or refuses
     */
    public synchronized void enableAuth(String password) {
        etcdctl("user", "add", "root:" + password);
        etcdctl("role", "add", "root");
        etcdctl("user", "grant-role", "root", "root");
        etcdctl("auth", "enable");
        rootPassword = Optional.of(password);
        LOG.info("Enabled authentication on etcd {} (user root)", clientUrl());
    }

    /**
     * Adds a user who may read and write only keys under {@code prefix} (a role of the same name),
     * as an operator gives each cluster's agents and routers their own. Needs {@link #enableAuth}
     * first or afterwards to matter.
     */
    public synchronized void addUser(String name, String password, String prefix) {
        etcdctl("role", "add", name);
        etcdctl("role", "grant-permission", name, "--prefix=true", "readwrite", prefix);
        etcdctl("user", "add", name + ":" + password);
        etcdctl("user", "grant-role", name, name);
        LOG.info("Added etcd user {} (read-write under {})", name, prefix);
    }

    /** Runs etcdctl (API v3) against this etcd with its TLS files and root's password, as far as they are set. */
    private CommandResult etcdctl(String... args) {
        if (!Files.isExecutable(ETCDCTL)) {
            throw new IllegalStateException("etcdctl not found at " + ETCDCTL + "; install the Debian package etcd-client");
        }
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", clientUrl(),
                "--dial-timeout", "2s", "--command-timeout", "5s"));
        options.tls().ifPresent(tls -> {
            command.addAll(List.of("--cacert", tls.trustedCaFile().toString()));
            tls.clientCert().ifPresent(cert -> command.addAll(List.of("--cert", cert.toString())));
            tls.clientKey().ifPresent(key -> command.addAll(List.of("--key", key.toString())));
        });
        rootPassword.ifPresent(password -> command.addAll(List.of("--user", "root:" + password)));
        command.addAll(List.of(args));
        return Commands.run(command, Map.of("ETCDCTL_API", "3"), null, ETCDCTL_TIMEOUT)
                .requireSuccess("etcdctl " + String.join(" ", args[0], args.length > 1 ? args[1] : ""));
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
