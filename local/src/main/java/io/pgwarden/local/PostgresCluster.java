package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away PostgreSQL 15 primary with N streaming replicas on 127.0.0.1, all data dirs in one
 * temp dir, tuned for speed rather than durability. Everything is gone after {@link #close()}, and
 * also when the JVM dies without closing it (see {@link Reaper}).
 *
 * <pre>{@code
 * try (PostgresCluster pg = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(2))) {
 *     try (Connection c = pg.primary().connect("postgres")) { ... }
 * }
 * }</pre>
 */
public final class PostgresCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);

    public static final Path DEFAULT_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");
    static final String PACKAGE = "postgresql-15";

    private static final Duration SETUP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STREAMING_TIMEOUT = Duration.ofSeconds(60);

    /** How TCP connections from 127.0.0.1 and ::1 authenticate (pg_hba.conf), and how passwords are stored. */
    public enum AuthMethod {
        SCRAM_SHA_256("scram-sha-256", "scram-sha-256"),
        MD5("md5", "md5"),
        TRUST("trust", "scram-sha-256");

        private final String hbaName;
        private final String passwordEncryption;

        AuthMethod(String hbaName, String passwordEncryption) {
            this.hbaName = hbaName;
            this.passwordEncryption = passwordEncryption;
        }

        /** The method as written in pg_hba.conf. */
        public String hbaName() {
            return hbaName;
        }

        /** The matching {@code password_encryption}. */
        public String passwordEncryption() {
            return passwordEncryption;
        }
    }

    /**
     * @param replicas       streaming replicas besides the primary
     * @param superuser      the bootstrap superuser, also used for replication
     * @param password       its password
     * @param authMethod     pg_hba.conf method for host connections
     * @param extraConfig    more postgresql.conf settings; values are quoted for you ({@code "log_statement", "all"})
     *                       and win over the kit's own settings
     * @param maxConnections {@code max_connections}
     * @param binDir         where initdb, pg_ctl, pg_basebackup and postgres live
     */
    public record Options(int replicas, String superuser, String password, AuthMethod authMethod,
                          Map<String, String> extraConfig, int maxConnections, Path binDir) {

        public Options {
            Objects.requireNonNull(superuser, "superuser");
            Objects.requireNonNull(password, "password");
            Objects.requireNonNull(authMethod, "authMethod");
            Objects.requireNonNull(binDir, "binDir");
            extraConfig = Map.copyOf(extraConfig);
            if (replicas < 0) {
                throw new IllegalArgumentException("replicas must be >= 0: " + replicas);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
            }
            if (superuser.isBlank()) {
                throw new IllegalArgumentException("superuser must not be blank");
            }
        }

        /** A lone primary, superuser postgres/postgres, scram-sha-256, 100 connections. */
        public static Options defaults() {
            return new Options(0, "postgres", "postgres", AuthMethod.SCRAM_SHA_256, Map.of(), 100, DEFAULT_BIN_DIR);
        }

        public Options withReplicas(int replicas) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }

        public Options withSuperuser(String superuser, String password) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }

        public Options withAuthMethod(AuthMethod authMethod) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }

        /** Replaces all extra settings. */
        public Options withExtraConfig(Map<String, String> extraConfig) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }

        /** Adds one extra setting. */
        public Options withSetting(String name, String value) {
            Map<String, String> config = new LinkedHashMap<>(extraConfig);
            config.put(name, value);
            return withExtraConfig(config);
        }

        public Options withMaxConnections(int maxConnections) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }

        public Options withBinDir(Path binDir) {
            return new Options(replicas, superuser, password, authMethod, extraConfig, maxConnections, binDir);
        }
    }

    private final Options options;
    private final ServerUser user;
    private final Path tempDir;
    private final Reaper reaper;
    // Filled by boot(), fixed afterwards; copy-on-write because the shutdown hook may close a cluster still booting.
    private final List<PostgresNode> nodes = new CopyOnWriteArrayList<>();
    private boolean closed;

    private PostgresCluster(Options options, ServerUser user, Path tempDir, Reaper reaper) {
        this.options = options;
        this.user = user;
        this.tempDir = tempDir;
        this.reaper = reaper;
    }

    /** A lone primary with {@link Options#defaults()}. */
    public static PostgresCluster start() {
        return start(Options.defaults());
    }

    /**
     * Starts the primary and the replicas and returns once every replica streams from the primary.
     *
     * @throws IllegalStateException if PostgreSQL 15 is not installed, or a server fails to start
     */
    public static PostgresCluster start(Options options) {
        for (String binary : List.of("initdb", "pg_ctl", "pg_basebackup", "postgres")) {
            if (!Files.isExecutable(options.binDir().resolve(binary))) {
                throw new IllegalStateException("PostgreSQL binary " + options.binDir().resolve(binary)
                        + " not found; install the Debian package " + PACKAGE);
            }
        }
        ServerUser user = ServerUser.forPostgres();
        Path tempDir = TempDirs.create("pgwarden-pg-", user);
        Reaper reaper;
        try {
            reaper = Reaper.watch(tempDir, stopPostmastersScript(options.binDir(), user, "\"$dir\"/pg*"));
        } catch (RuntimeException e) {
            TempDirs.deleteQuietly(tempDir);
            throw e;
        }
        PostgresCluster cluster = new PostgresCluster(options, user, tempDir, reaper);
        OpenFixtures.add(cluster);
        try {
            cluster.boot();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("Started PostgreSQL cluster in {}: primary {}, replicas {}", tempDir, cluster.primary(), cluster.replicas());
        return cluster;
    }

    public PostgresNode primary() {
        return nodes.get(0);
    }

    /** The replicas as created; after a promotion the roles are whatever the test made them. */
    public List<PostgresNode> replicas() {
        return List.copyOf(nodes.subList(1, nodes.size()));
    }

    /** Primary first, then the replicas. */
    public List<PostgresNode> nodes() {
        return List.copyOf(nodes);
    }

    public Options options() {
        return options;
    }

    /** The directory holding every data dir and the unix sockets. */
    public Path tempDir() {
        return tempDir;
    }

    /** Stops every node (immediate shutdown) and deletes the temp dir; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).stopImmediately();
        }
        if (TempDirs.deleteQuietly(tempDir)) {
            reaper.stop();
        } // else the reaper removes what is left once this JVM exits
        OpenFixtures.remove(this);
        LOG.info("Stopped PostgreSQL cluster in {}", tempDir);
    }

    @Override
    public String toString() {
        return "PostgresCluster" + nodes + " in " + tempDir;
    }

    private void boot() {
        Path sockets = tempDir.resolve("sockets");
        createOwnedDir(sockets);

        PostgresNode primary = newNode(0);
        Path pwfile = tempDir.resolve("pwfile");
        writeOwned(pwfile, options.password() + "\n");
        server("initdb", "-D", primary.dataDir().toString(), "-U", options.superuser(), "--pwfile=" + pwfile,
                "--auth-local=trust", "--auth-host=" + options.authMethod().hbaName(),
                "-E", "UTF8", "--locale=C", "--no-sync")
                .requireSuccess("initdb of " + primary.name());
        TempDirs.deleteQuietly(pwfile);
        appendConfig(primary, settings(primary.port(), sockets));
        primary.startServer();
        if (options.authMethod() == AuthMethod.MD5) {
            rehashPassword(primary);
        }

        for (int i = 1; i <= options.replicas(); i++) {
            PostgresNode replica = newNode(i);
            String conninfo = "host=" + PostgresNode.HOST + " port=" + primary.port()
                    + " user=" + conninfoValue(options.superuser()) + " password=" + conninfoValue(options.password())
                    + " application_name=" + replica.name();
            // -R writes standby.signal and primary_conninfo; -c fast: don't wait for a spread checkpoint.
            server("pg_basebackup", "-D", replica.dataDir().toString(), "-d", conninfo,
                    "-R", "-X", "stream", "-c", "fast", "--no-sync")
                    .requireSuccess("pg_basebackup for " + replica.name());
            appendConfig(replica, Map.of("port", String.valueOf(replica.port())));
            writeOwned(replica.logFile(), ""); // the copy of the primary's log would only confuse
            replica.startServer();
        }
        awaitStreaming(primary);
    }

    private PostgresNode newNode(int index) {
        String name = "pg" + index;
        PostgresNode node = new PostgresNode(name, FreePorts.next(), tempDir.resolve(name), options.binDir(), user,
                tempDir, options.superuser(), options.password());
        nodes.add(node); // before it exists, so that a failure half-way still stops it in close()
        return node;
    }

    private Map<String, String> settings(int port, Path sockets) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", PostgresNode.HOST);
        settings.put("port", String.valueOf(port));
        settings.put("unix_socket_directories", sockets.toString());
        settings.put("max_connections", String.valueOf(options.maxConnections()));
        settings.put("password_encryption", options.authMethod().passwordEncryption());
        // Throw-away clusters: speed over durability.
        settings.put("fsync", "off");
        settings.put("synchronous_commit", "off");
        settings.put("full_page_writes", "off");
        settings.put("shared_buffers", "128MB");
        // Streaming replication, with enough WAL kept that a replica stopped for a while catches up.
        settings.put("wal_level", "replica");
        settings.put("max_wal_senders", "10");
        settings.put("hot_standby", "on");
        settings.put("wal_keep_size", "256MB");
        // pg_ctl -l already sends the log to a file in the data dir.
        settings.put("logging_collector", "off");
        settings.putAll(options.extraConfig());
        return settings;
    }

    /** Appends settings to postgresql.conf; later lines win, so this overrides initdb's and the copy's. */
    private static void appendConfig(PostgresNode node, Map<String, String> settings) {
        StringBuilder text = new StringBuilder("\n# pgwarden-local\n");
        settings.forEach((name, value) -> text.append(name).append(" = '")
                .append(value.replace("'", "''")).append("'\n"));
        try {
            // Appending keeps the file's owner (postgres when this JVM is root).
            Files.writeString(node.dataDir().resolve("postgresql.conf"), text, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write postgresql.conf of " + node.name(), e);
        }
    }

    /** initdb stored a SCRAM secret; md5 authentication needs an md5 hash, so set the password again. */
    private void rehashPassword(PostgresNode primary) {
        try (Connection connection = primary.connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("SET password_encryption = 'md5'");
            statement.execute("ALTER ROLE \"" + options.superuser().replace("\"", "\"\"") + "\" PASSWORD '"
                    + options.password().replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not store an md5 password on " + primary.name(), e);
        }
    }

    private void awaitStreaming(PostgresNode primary) {
        Set<String> expected = nodes.subList(1, nodes.size()).stream().map(PostgresNode::name).collect(Collectors.toSet());
        if (expected.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + STREAMING_TIMEOUT.toNanos();
        Set<String> streaming = new HashSet<>();
        try (Connection connection = primary.connect("postgres"); Statement statement = connection.createStatement()) {
            while (true) {
                streaming.clear();
                try (ResultSet rs = statement.executeQuery(
                        "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")) {
                    while (rs.next()) {
                        streaming.add(rs.getString(1));
                    }
                }
                if (streaming.containsAll(expected)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replicas " + expected + " not streaming after "
                            + STREAMING_TIMEOUT.toSeconds() + " s, only " + streaming);
                }
                Thread.sleep(50);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not check replication on " + primary.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for replicas to stream", e);
        }
    }

    private CommandResult server(String binary, String... args) {
        List<String> command = new ArrayList<>();
        command.add(options.binDir().resolve(binary).toString());
        command.addAll(List.of(args));
        return Commands.run(user.command(command), Map.of(), tempDir, SETUP_TIMEOUT);
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

    /**
     * What a reaper runs if the JVM dies: stop every postmaster whose data dir matches
     * {@code dataDirGlob}, a shell word that may use the reaper's {@code $dir} (the temp dir).
     */
    static String stopPostmastersScript(Path binDir, ServerUser user, String dataDirGlob) {
        String pgCtl = user.shellCommand(Reaper.quote(binDir.resolve("pg_ctl").toString())
                + " stop -D \"$d\" -m immediate -w -t 10");
        return "for d in " + dataDirGlob + "; do\n"
                + "  [ -f \"$d/postmaster.pid\" ] || continue\n"
                + "  " + pgCtl + " >/dev/null 2>&1\n"
                + "  [ -f \"$d/postmaster.pid\" ] && kill -9 \"$(head -n 1 \"$d/postmaster.pid\")\" 2>/dev/null\n"
                + "done";
    }

    /** A libpq connection-string value, quoted. */
    private static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
