package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away Patroni 3.0 cluster on 127.0.0.1: one etcd ({@link EtcdServer}) and N Patroni agents,
 * each running its own PostgreSQL 15, everything in one temp dir. Patroni's keys live in etcd under
 * {@link #keyPrefix()} ({@code /service/demo/} by default), read through the v3 API. Everything is
 * gone after {@link #close()}, and also when the JVM dies without closing it (see {@link Reaper}).
 *
 * <pre>{@code
 * try (PatroniCluster patroni = PatroniCluster.start(PatroniCluster.Options.defaults())) {
 *     PatroniNode leader = patroni.waitForLeader(Duration.ofSeconds(10));
 *     PatroniNode next = patroni.switchover(null);
 * }
 * }</pre>
 */
public final class PatroniCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PatroniCluster.class);

    public static final Path DEFAULT_PATRONI = Path.of("/usr/bin/patroni");
    static final String PACKAGE = "patroni";

    /** Settings that make throw-away clusters fast; durability across OS crashes is not needed. */
    public static final Map<String, String> FAST_PARAMETERS = Map.of(
            "fsync", "off",
            // A new replica's first connection fails until the leader has created its slot (next HA
            // loop); the default 5 s before the retry made up half the start time.
            "wal_retrieve_retry_interval", "500ms",
            // Enough WAL kept that a member stopped for a while streams again without a rebuild.
            "wal_keep_size", "256MB");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PATRONICTL_TIMEOUT = Duration.ofSeconds(90);

    /**
     * @param nodes                members, pg0 ... pg(N-1); which one bootstraps and leads is Patroni's choice
     * @param scope                Patroni's {@code scope} (the cluster name)
     * @param namespace            Patroni's {@code namespace}; keys live under {@code /<namespace>/<scope>/}
     * @param ttl                  leader key lease, seconds; {@code loopWait + 2 * retryTimeout <= ttl}
     * @param loopWait             seconds between HA loop runs
     * @param retryTimeout         seconds a DCS or PostgreSQL operation is retried before the leader demotes
     * @param superuser            bootstrap superuser, also what {@link PatroniNode#connect} uses
     * @param superuserPassword    its password
     * @param replicationUser      the user replicas stream as; Patroni creates it
     * @param replicationPassword  its password
     * @param authMethod           pg_hba method for TCP connections from 127.0.0.1, and password_encryption
     * @param maximumLagOnFailover bytes a replica may lag and still be promoted
     * @param parameters           postgresql.conf settings, written to the DCS config at bootstrap
     *                             (default {@link #FAST_PARAMETERS})
     * @param tags                 Patroni tags by member name ({@code nofailover}, {@code noloadbalance},
     *                             {@code clonefrom}, {@code nosync}); unlisted tags are false
     * @param binDir               PostgreSQL 15's binaries
     * @param patroniBinary        the patroni script; patronictl is looked for next to it
     */
    public record Options(int nodes, String scope, String namespace, int ttl, int loopWait, int retryTimeout,
                          String superuser, String superuserPassword, String replicationUser,
                          String replicationPassword, PostgresCluster.AuthMethod authMethod,
                          long maximumLagOnFailover, Map<String, String> parameters,
                          Map<String, Map<String, Boolean>> tags, Path binDir, Path patroniBinary) {

        public Options {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(superuser, "superuser");
            Objects.requireNonNull(superuserPassword, "superuserPassword");
            Objects.requireNonNull(replicationUser, "replicationUser");
            Objects.requireNonNull(replicationPassword, "replicationPassword");
            Objects.requireNonNull(authMethod, "authMethod");
            Objects.requireNonNull(binDir, "binDir");
            Objects.requireNonNull(patroniBinary, "patroniBinary");
            parameters = Map.copyOf(parameters);
            tags = tags.entrySet().stream()
                    .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> Map.copyOf(e.getValue())));
            if (nodes < 1) {
                throw new IllegalArgumentException("nodes must be >= 1: " + nodes);
            }
            if (scope.isBlank() || scope.contains("/")) {
                throw new IllegalArgumentException("scope must be a non-blank name without '/': " + scope);
            }
            if (loopWait < 1 || retryTimeout < 1) {
                throw new IllegalArgumentException("loopWait and retryTimeout must be >= 1 s");
            }
            if (loopWait + 2 * retryTimeout > ttl) {
                throw new IllegalArgumentException("Patroni needs loop_wait + 2 * retry_timeout <= ttl, got "
                        + loopWait + " + 2 * " + retryTimeout + " > " + ttl);
            }
            if (superuser.equals(replicationUser)) {
                throw new IllegalArgumentException("the replication user must differ from the superuser");
            }
        }

        /** 3 nodes, scope demo, namespace /service/, ttl 10 / loop_wait 2 / retry_timeout 3, postgres/postgres, scram-sha-256. */
        public static Options defaults() {
            return new Options(3, "demo", "/service/", 10, 2, 3, "postgres", "postgres", "replicator", "replicator",
                    PostgresCluster.AuthMethod.SCRAM_SHA_256, 1_048_576, FAST_PARAMETERS, Map.of(),
                    PostgresCluster.DEFAULT_BIN_DIR, DEFAULT_PATRONI);
        }

        public Options withNodes(int nodes) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withScope(String scope) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withNamespace(String namespace) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        /** ttl, loop_wait and retry_timeout in seconds. */
        public Options withTiming(int ttl, int loopWait, int retryTimeout) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withSuperuser(String superuser, String password) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, password,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withReplicationUser(String user, String password) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    user, password, authMethod, maximumLagOnFailover, parameters, tags, binDir, patroniBinary);
        }

        public Options withAuthMethod(PostgresCluster.AuthMethod authMethod) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withMaximumLagOnFailover(long bytes) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, bytes, parameters, tags, binDir, patroniBinary);
        }

        /** Replaces all PostgreSQL parameters, {@link #FAST_PARAMETERS} included. */
        public Options withParameters(Map<String, String> parameters) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        /** Adds or overrides one PostgreSQL parameter. */
        public Options withParameter(String name, String value) {
            Map<String, String> all = new LinkedHashMap<>(parameters);
            all.put(name, value);
            return withParameters(all);
        }

        /** Sets one boolean tag of one member, say {@code withTag("pg2", "nofailover", true)}. */
        public Options withTag(String node, String tag, boolean value) {
            Map<String, Map<String, Boolean>> all = new LinkedHashMap<>(tags);
            Map<String, Boolean> ofNode = new LinkedHashMap<>(all.getOrDefault(node, Map.of()));
            ofNode.put(tag, value);
            all.put(node, ofNode);
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, all, binDir,
                    patroniBinary);
        }

        public Options withBinDir(Path binDir) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        public Options withPatroniBinary(Path patroniBinary) {
            return new Options(nodes, scope, namespace, ttl, loopWait, retryTimeout, superuser, superuserPassword,
                    replicationUser, replicationPassword, authMethod, maximumLagOnFailover, parameters, tags, binDir,
                    patroniBinary);
        }

        /** {@code /<namespace>/<scope>/}, as Patroni builds it. */
        public String keyPrefix() {
            String ns = namespace.replaceAll("^/+|/+$", "");
            return (ns.isEmpty() ? "/" : "/" + ns + "/") + scope + "/";
        }
    }

    private final Options options;
    private final ServerUser user;
    private final Path tempDir;
    private final Reaper reaper;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    // Filled by boot(), fixed afterwards; copy-on-write because the shutdown hook may close a cluster still booting.
    private final List<PatroniNode> nodes = new CopyOnWriteArrayList<>();
    private volatile EtcdServer etcd;
    private boolean closed;

    private PatroniCluster(Options options, ServerUser user, Path tempDir, Reaper reaper) {
        this.options = options;
        this.user = user;
        this.tempDir = tempDir;
        this.reaper = reaper;
    }

    /** Three members with {@link Options#defaults()}. */
    public static PatroniCluster start() {
        return start(Options.defaults());
    }

    /**
     * Starts etcd and every agent, and returns once one member is a running primary holding the
     * leader key and every other member streams from it.
     *
     * @throws IllegalStateException if Patroni or PostgreSQL 15 is not installed, or the cluster does
     *                               not come up within 90 s (the message has the tail of every agent's log)
     */
    public static PatroniCluster start(Options options) {
        if (!Files.isExecutable(options.patroniBinary())) {
            throw new IllegalStateException("Patroni binary " + options.patroniBinary()
                    + " not found; install the Debian package " + PACKAGE);
        }
        for (String binary : List.of("initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata", "postgres")) {
            if (!Files.isExecutable(options.binDir().resolve(binary))) {
                throw new IllegalStateException("PostgreSQL binary " + options.binDir().resolve(binary)
                        + " not found; install the Debian package " + PostgresCluster.PACKAGE);
            }
        }
        long started = System.nanoTime();
        ServerUser user = ServerUser.forPostgres();
        Path tempDir = TempDirs.create("pgwarden-patroni-", user);
        Reaper reaper;
        try {
            reaper = Reaper.watch(tempDir, cleanupScript(options.binDir(), user));
        } catch (RuntimeException e) {
            TempDirs.deleteQuietly(tempDir);
            throw e;
        }
        PatroniCluster cluster = new PatroniCluster(options, user, tempDir, reaper);
        OpenFixtures.add(cluster);
        try {
            cluster.boot();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("Started Patroni cluster {} in {} in {} ms: leader {}, members {}, etcd {}", options.scope(), tempDir,
                (System.nanoTime() - started) / 1_000_000, cluster.leader().map(PatroniNode::name).orElse("?"),
                cluster.nodes, cluster.etcd.clientUrl());
        return cluster;
    }

    /** The etcd all agents use. */
    public EtcdServer etcd() {
        return etcd;
    }

    /** pg0, pg1, ... in order of creation; roles change, see {@link #leader()}. */
    public List<PatroniNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The member called {@code name}. */
    public PatroniNode node(String name) {
        return findNode(name).orElseThrow(() -> new IllegalArgumentException("no member " + name + " in " + nodes));
    }

    public Options options() {
        return options;
    }

    /** {@code /service/demo/} by default: Patroni's keys are {@code leader}, {@code members/pg0}, {@code config}, ... */
    public String keyPrefix() {
        return options.keyPrefix();
    }

    /** The directory holding every member's directory. */
    public Path tempDir() {
        return tempDir;
    }

    /**
     * The member named by the leader key in etcd right now, as the router sees it; empty while nobody
     * holds the key. Its PostgreSQL may still be promoting: {@link #waitForLeader} waits for that too.
     *
     * @throws IllegalStateException if etcd does not answer
     */
    public Optional<PatroniNode> leader() {
        return etcd.get(keyPrefix() + "leader").flatMap(this::findNode);
    }

    /** Waits until a member holds the leader key and its REST API answers 200 to {@code GET /primary}. */
    public PatroniNode waitForLeader(Duration timeout) {
        return awaitLeader(node -> true, timeout, "a leader");
    }

    /** Like {@link #waitForLeader}, for a leader other than {@code oldLeader}: the end of a failover or switchover. */
    public PatroniNode waitForNewLeader(String oldLeader, Duration timeout) {
        Objects.requireNonNull(oldLeader, "oldLeader");
        return awaitLeader(node -> !node.name().equals(oldLeader), timeout, "a leader other than " + oldLeader);
    }

    /**
     * Waits until every member whose agent runs, other than the leader, streams from the leader (in its
     * {@code pg_stat_replication}) and answers 200 to {@code GET /replica}. After a switchover the
     * old primary takes a few seconds to come back as a replica.
     */
    public void waitForReplicas(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> expected = new HashSet<>();
        Set<String> streaming = new HashSet<>();
        Set<String> ready = new HashSet<>();
        String last;
        while (true) {
            // The leader is looked up each time: it may change while we wait.
            PatroniNode leader = awaitLeader(node -> true, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                    "a leader");
            expected.clear();
            nodes.stream().filter(n -> n != leader && n.isAgentRunning()).forEach(n -> expected.add(n.name()));
            streaming.clear();
            ready.clear();
            try (Connection connection = leader.connect("postgres"); Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery(
                         "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")) {
                while (rs.next()) {
                    streaming.add(rs.getString(1));
                }
                last = "";
            } catch (SQLException e) {
                last = " (" + e + ")";
            }
            nodes.stream().filter(n -> expected.contains(n.name()) && streaming.contains(n.name())
                    && n.restStatus("/replica") == 200).forEach(n -> ready.add(n.name()));
            if (ready.containsAll(expected)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicas " + expected + " not all streaming from " + leader.name()
                        + " after " + timeout.toSeconds() + " s: streaming " + streaming + ", ready " + ready + last
                        + "\n" + describe());
            }
            sleep(100);
        }
    }

    /**
     * A switchover with {@code patronictl switchover --force}: the leader demotes cleanly and
     * {@code candidate} (or the member Patroni picks, if null) is promoted. Returns the new leader once
     * it answers {@code GET /primary} with 200; the old one rejoins as a replica on its own afterwards.
     */
    public PatroniNode switchover(String candidate) {
        PatroniNode old = waitForLeader(SWITCHOVER_TIMEOUT);
        if (candidate != null) {
            node(candidate); // fails early for an unknown name
        }
        Path patronictl = options.patroniBinary().resolveSibling("patronictl");
        if (!Files.isExecutable(patronictl)) {
            throw new IllegalStateException(patronictl + " not found; install the Debian package " + PACKAGE);
        }
        List<String> command = new ArrayList<>(List.of(patronictl.toString(),
                "-c", old.configFile().toString(), "switchover", "--force", "--leader", old.name()));
        if (candidate != null) {
            command.addAll(List.of("--candidate", candidate));
        }
        long started = System.nanoTime();
        CommandResult result = Commands.run(command, Map.of(), tempDir, PATRONICTL_TIMEOUT)
                .requireSuccess("patronictl switchover");
        // patronictl exits with 0 when the leader refuses, too.
        if (!result.stdout().contains("Successfully switched over")) {
            throw new IllegalStateException("switchover from " + old.name() + " failed: " + result.stdout().strip()
                    + " " + result.stderr().strip());
        }
        long patronictlMillis = (System.nanoTime() - started) / 1_000_000;
        PatroniNode next = waitForNewLeader(old.name(), SWITCHOVER_TIMEOUT);
        if (candidate != null && !candidate.equals(next.name())) {
            throw new IllegalStateException("switchover to " + candidate + " made " + next.name() + " the leader");
        }
        LOG.info("Switched over from {} to {} in {} ms (patronictl returned after {} ms)", old.name(), next.name(),
                (System.nanoTime() - started) / 1_000_000, patronictlMillis);
        return next;
    }

    /**
     * Crashes the current leader ({@link PatroniNode#kill()}: agent and PostgreSQL) and returns it;
     * {@link #waitForNewLeader} then sees the failover, which starts when the key's lease expires.
     *
     * <p>Call {@link #waitForReplicas} first after a switchover or failover. A leader killed before the
     * replicas follow its new timeline leaves them on the old one; the next leader then picks the
     * same timeline ID for a different history, Patroni 3.0.2 sees equal timelines and does not
     * rewind, and the killed member, restarted, stays a replica that never streams.
     */
    public PatroniNode killLeader() {
        PatroniNode leader = waitForLeader(SWITCHOVER_TIMEOUT);
        leader.kill();
        return leader;
    }

    /**
     * Kills every agent, stops every PostgreSQL (immediate shutdown), stops etcd and deletes the temp
     * dir; safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // All agents first: a live agent would restart its PostgreSQL or promote it.
        for (PatroniNode node : nodes) {
            try {
                node.killAgent();
            } catch (RuntimeException e) {
                LOG.warn("Could not kill patroni {}", node.name(), e);
            }
        }
        nodes.forEach(PatroniNode::stopQuietly);
        if (etcd != null) {
            etcd.close();
        }
        if (TempDirs.deleteQuietly(tempDir)) {
            reaper.stop();
        } // else the reaper removes what is left once this JVM exits
        OpenFixtures.remove(this);
        LOG.info("Stopped Patroni cluster {} in {}", options.scope(), tempDir);
    }

    @Override
    public String toString() {
        return "PatroniCluster[" + options.scope() + " " + nodes + " in " + tempDir + "]";
    }

    private void boot() {
        etcd = EtcdServer.start();
        for (int i = 0; i < options.nodes(); i++) {
            String name = "pg" + i;
            Path dir = tempDir.resolve(name);
            createOwnedDir(dir);
            PatroniNode node = new PatroniNode(name, FreePorts.next(), FreePorts.next(), dir, options.binDir(), user,
                    options.patroniBinary(), options.superuser(), options.superuserPassword(), http);
            writeOwned(node.configFile(), config(node));
            writeOwned(node.logFile(), "");
            nodes.add(node);
        }
        nodes.forEach(PatroniNode::start); // together: one bootstraps, the others wait for it and clone
        waitForReplicas(START_TIMEOUT);
    }

    /** The agent's YAML. Every string is single-quoted, so no value needs YAML escaping beyond ''. */
    private String config(PatroniNode node) {
        String method = options.authMethod().hbaName();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("password_encryption", options.authMethod().passwordEncryption());
        parameters.putAll(options.parameters());
        Map<String, Boolean> tags = new LinkedHashMap<>();
        for (String tag : List.of("nofailover", "noloadbalance", "clonefrom", "nosync")) {
            tags.put(tag, false);
        }
        tags.putAll(options.tags().getOrDefault(node.name(), Map.of()));

        StringBuilder yaml = new StringBuilder();
        yaml.append("# written by pgwarden-local (PatroniCluster)\n")
                .append("scope: ").append(q(options.scope())).append('\n')
                .append("namespace: ").append(q(options.namespace())).append('\n')
                .append("name: ").append(q(node.name())).append('\n')
                .append("log:\n  level: INFO\n")
                .append("restapi:\n")
                .append("  listen: ").append(q(node.host() + ":" + node.restPort())).append('\n')
                .append("  connect_address: ").append(q(node.host() + ":" + node.restPort())).append('\n')
                .append("etcd3:\n")
                .append("  hosts: ").append(q(PostgresNode.HOST + ":" + etcd.clientPort())).append('\n')
                .append("bootstrap:\n")
                .append("  dcs:\n")
                .append("    ttl: ").append(options.ttl()).append('\n')
                .append("    loop_wait: ").append(options.loopWait()).append('\n')
                .append("    retry_timeout: ").append(options.retryTimeout()).append('\n')
                .append("    maximum_lag_on_failover: ").append(options.maximumLagOnFailover()).append('\n')
                .append("    postgresql:\n")
                .append("      use_pg_rewind: true\n")
                .append("      use_slots: true\n")
                .append("      parameters:\n");
        parameters.forEach((name, value) -> yaml.append("        ").append(q(name)).append(": ").append(q(value)).append('\n'));
        yaml.append("  initdb:\n")
                .append("  - encoding: UTF8\n")
                .append("  - locale: C\n")
                .append("  - no-sync\n")
                .append("  pg_hba:\n")
                .append("  - ").append(q("local all all trust")).append('\n')
                .append("  - ").append(q("host replication " + hbaUser(options.replicationUser()) + " 127.0.0.1/32 " + method)).append('\n')
                .append("  - ").append(q("host all all 127.0.0.1/32 " + method)).append('\n')
                .append("postgresql:\n")
                .append("  listen: ").append(q(node.host() + ":" + node.pgPort())).append('\n')
                .append("  connect_address: ").append(q(node.host() + ":" + node.pgPort())).append('\n')
                .append("  data_dir: ").append(q(node.dataDir().toString())).append('\n')
                .append("  bin_dir: ").append(q(options.binDir().toString())).append('\n')
                .append("  pgpass: ").append(q(node.dir().resolve("pgpass").toString())).append('\n')
                // fast: don't wait for a spread checkpoint on the leader before cloning
                .append("  basebackup:\n  - checkpoint: 'fast'\n  - no-sync\n")
                .append("  authentication:\n")
                .append("    superuser:\n")
                .append("      username: ").append(q(options.superuser())).append('\n')
                .append("      password: ").append(q(options.superuserPassword())).append('\n')
                .append("    replication:\n")
                .append("      username: ").append(q(options.replicationUser())).append('\n')
                .append("      password: ").append(q(options.replicationPassword())).append('\n')
                .append("  parameters:\n")
                .append("    unix_socket_directories: ").append(q(node.dir().toString())).append('\n')
                .append("watchdog:\n  mode: 'off'\n")
                .append("tags:\n");
        tags.forEach((tag, value) -> yaml.append("  ").append(q(tag)).append(": ").append(value).append('\n'));
        return yaml.toString();
    }

    private PatroniNode awaitLeader(Predicate<PatroniNode> wanted, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nobody holds the leader key";
        while (true) {
            try {
                Optional<PatroniNode> leader = leader();
                if (leader.isPresent() && wanted.test(leader.get())) {
                    if (leader.get().isPrimary()) {
                        return leader.get();
                    }
                    last = leader.get().name() + " holds the leader key but GET /primary is not 200 yet";
                } else {
                    last = leader.map(n -> n.name() + " holds the leader key").orElse("nobody holds the leader key");
                }
            } catch (IllegalStateException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " after " + timeout.toMillis() + " ms (" + last + ")\n"
                        + describe());
            }
            sleep(100);
        }
    }

    /** Every member's state and the end of its log, for failure messages. */
    private String describe() {
        StringBuilder text = new StringBuilder();
        for (PatroniNode node : nodes) {
            text.append("--- ").append(node).append(": agent ").append(node.isAgentRunning() ? "running" : "down")
                    .append(", postgres ").append(node.isPostgresRunning() ? "running" : "down")
                    .append(", GET /primary ").append(node.restStatus("/primary"))
                    .append(", GET /replica ").append(node.restStatus("/replica"))
                    .append("; last lines of ").append(node.logFile()).append(":\n")
                    .append(node.logTail(25)).append('\n');
        }
        return text.toString();
    }

    private Optional<PatroniNode> findNode(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private void createOwnedDir(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir, e);
        }
        user.own(dir);
    }

    private void writeOwned(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        user.own(file);
    }

    /** What the reaper runs if the JVM dies: kill every agent, then stop every postmaster. */
    private static String cleanupScript(Path binDir, ServerUser user) {
        return "for d in \"$dir\"/pg*; do\n"
                + "  [ -f \"$d/" + PatroniNode.PID_FILE + "\" ] && kill -9 \"$(cat \"$d/" + PatroniNode.PID_FILE
                + "\")\" 2>/dev/null\n"
                + "done\n"
                + PostgresCluster.stopPostmastersScript(binDir, user, "\"$dir\"/pg*/" + PatroniNode.DATA_DIR);
    }

    /** A YAML single-quoted scalar. */
    private static String q(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** A user name as pg_hba.conf wants it. */
    private static String hbaUser(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Patroni cluster", e);
        }
    }
}
