package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL server of a {@link PostgresCluster}, listening on 127.0.0.1. Its state is read from
 * {@code postmaster.pid} each time, so it stays right when something else (an HA agent) restarts it.
 */
public final class PostgresNode {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresNode.class);

    static final String HOST = "127.0.0.1";
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final int port;
    private final Path dataDir;
    private final Path binDir;
    private final ServerUser user;
    private final Path workDir;
    private final String superuser;
    private final String password;

    PostgresNode(String name, int port, Path dataDir, Path binDir, ServerUser user, Path workDir,
                 String superuser, String password) {
        this.name = name;
        this.port = port;
        this.dataDir = dataDir;
        this.binDir = binDir;
        this.user = user;
        this.workDir = workDir;
        this.superuser = superuser;
        this.password = password;
    }

    /** pg0 for the primary, pg1, pg2, ... for the replicas, in order of creation. */
    public String name() {
        return name;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The server log ({@code pg_ctl -l}), inside the data dir. */
    public Path logFile() {
        return dataDir.resolve("postgres.log");
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + db;
    }

    /** A JDBC connection as the cluster's superuser. */
    public Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), superuser, password);
    }

    /** Whether the postmaster named in {@code postmaster.pid} is alive. */
    public boolean isRunning() {
        return postmaster().isPresent();
    }

    /** The postmaster's pid while it runs. */
    public OptionalLong postmasterPid() {
        return postmaster().map(p -> OptionalLong.of(p.pid())).orElse(OptionalLong.empty());
    }

    /** Starts the server and waits until it accepts connections; does nothing if it runs. */
    public synchronized void start() {
        if (startServer()) {
            LOG.info("Started PostgreSQL {} on {}:{}", name, HOST, port);
        }
    }

    /** Starts the server unless it runs; true if it did. The cluster logs one line for all its nodes. */
    synchronized boolean startServer() {
        if (isRunning()) {
            return false;
        }
        CommandResult result = pgCtl("start", "-D", dataDir.toString(), "-l", logFile().toString(),
                "-w", "-t", String.valueOf(PG_CTL_TIMEOUT.toSeconds() - 10));
        if (!result.succeeded()) {
            throw new IllegalStateException("could not start " + name + " on port " + port + ": "
                    + result.stderr().strip() + "\nlast lines of " + logFile() + ":\n" + logTail(30));
        }
        return true;
    }

    /** Stops the server with a fast shutdown (sessions are disconnected); does nothing if it is down. */
    public synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        CommandResult result = pgCtl("stop", "-D", dataDir.toString(), "-m", "fast", "-w",
                "-t", String.valueOf(PG_CTL_TIMEOUT.toSeconds() - 10));
        if (!result.succeeded() && isRunning()) {
            result.requireSuccess("pg_ctl stop of " + name);
        }
        LOG.info("Stopped PostgreSQL {}", name);
    }

    /**
     * Crashes the server: SIGKILL to the postmaster and to all its children, like a host that loses
     * power, so no backend keeps serving a session it already had. The next {@link #start()} recovers.
     */
    public synchronized void kill() {
        Optional<ProcessHandle> postmaster = postmaster();
        if (postmaster.isEmpty()) {
            return;
        }
        Commands.killTree(postmaster.get());
        // Wait until the postmaster is reaped, not just dead: the next postmaster refuses to start
        // while the pid in postmaster.pid still exists, even as a zombie.
        try {
            postmaster.get().onExit().get(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("postmaster " + postmaster.get().pid() + " of " + name + " still exists after SIGKILL", e);
        }
        LOG.info("Killed PostgreSQL {} (postmaster pid {})", name, postmaster.get().pid());
    }

    /**
     * Turns TLS on and restarts the server (fast shutdown) so it applies: the certificate and key
     * are copied into the data dir (the key readable by the server's user only, as PostgreSQL
     * insists), {@code ssl = on}, and {@code hbaLines} go before the existing pg_hba.conf lines, so
     * they win (e.g. {@code "hostssl all app 127.0.0.1/32 scram-sha-256", "host all app all reject"}).
     */
    public synchronized void enableTls(Path certFile, Path keyFile, List<String> hbaLines) {
        try {
            Path cert = dataDir.resolve("server.crt");
            Path key = dataDir.resolve("server.key");
            Files.copy(certFile, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(keyFile, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            user.own(cert);
            user.own(key);
            // Later lines win; relative paths are relative to the data dir. Writing to the existing
            // files keeps their owner.
            Files.writeString(dataDir.resolve("postgresql.conf"),
                    "\n# pgwarden-local: TLS\nssl = 'on'\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            Path hba = dataDir.resolve("pg_hba.conf");
            String existing = Files.readString(hba);
            Files.writeString(hba, "# pgwarden-local: TLS\n" + String.join("\n", hbaLines) + "\n" + existing);
        } catch (IOException e) {
            throw new UncheckedIOException("could not configure TLS for " + name, e);
        }
        stop();
        start();
    }

    /** Promotes a replica to primary and waits until it accepts writes. */
    public void promote() {
        pgCtl("promote", "-D", dataDir.toString(), "-w", "-t", String.valueOf(PG_CTL_TIMEOUT.toSeconds() - 10))
                .requireSuccess("pg_ctl promote of " + name);
        LOG.info("Promoted PostgreSQL {}", name);
    }

    /** For close(): an immediate shutdown that never throws, falling back to SIGKILL. */
    synchronized void stopImmediately() {
        try {
            if (!isRunning()) {
                return;
            }
            CommandResult result = pgCtl("stop", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30");
            if (isRunning()) {
                LOG.warn("pg_ctl stop -m immediate of {} failed ({}), killing it", name, result.stderr().strip());
                kill();
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not stop PostgreSQL {}", name, e);
        }
    }

    private CommandResult pgCtl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binDir.resolve("pg_ctl").toString());
        command.addAll(List.of(args));
        return Commands.run(user.command(command), Map.of(), workDir, PG_CTL_TIMEOUT);
    }

    private Optional<ProcessHandle> postmaster() {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read postmaster.pid of " + name, e);
        }
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            return Optional.empty(); // being written right now, or truncated by a crash
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // A pid left in a stale file may have been reused by an unrelated process: check its name too.
        return ProcessHandle.of(pid)
                .filter(Commands::isRunning)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres") || c.endsWith("postmaster")).orElse(true));
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "@" + HOST + ":" + port;
    }
}
