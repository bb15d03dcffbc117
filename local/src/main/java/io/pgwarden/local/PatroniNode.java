package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a {@link PatroniCluster}: a Patroni agent and the PostgreSQL it runs, both on
 * 127.0.0.1. Pids are read from files each time, so they stay right when Patroni restarts
 * PostgreSQL or a test kills either process.
 *
 * <p>Files, all in {@link #dir()}: {@code patroni.yml}, {@code patroni.log} (the agent's output,
 * which PostgreSQL's own log joins), {@code patroni.pid}, {@code pgpass}, the unix socket, and
 * {@code data/}.
 */
public final class PatroniNode {

    private static final Logger LOG = LoggerFactory.getLogger(PatroniNode.class);

    static final String CONFIG_FILE = "patroni.yml";
    static final String PID_FILE = "patroni.pid";
    static final String DATA_DIR = "data";
    private static final Duration REST_TIMEOUT = Duration.ofSeconds(2);

    private final String name;
    private final int restPort;
    private final Path dir;
    private final PostgresNode server;
    private final ServerUser user;
    private final Path patroniBinary;
    private final HttpClient http;
    private Process agent; // the runuser/sh wrapper we started last; guarded by this

    PatroniNode(String name, int pgPort, int restPort, Path dir, Path binDir, ServerUser user, Path patroniBinary,
                String superuser, String password, HttpClient http) {
        this.name = name;
        this.restPort = restPort;
        this.dir = dir;
        this.server = new PostgresNode(name, pgPort, dir.resolve(DATA_DIR), binDir, user, dir, superuser, password);
        this.user = user;
        this.patroniBinary = patroniBinary;
        this.http = http;
    }

    /** pg0, pg1, ...: also Patroni's member name and the replicas' {@code application_name}. */
    public String name() {
        return name;
    }

    public String host() {
        return PostgresNode.HOST;
    }

    public int pgPort() {
        return server.port();
    }

    public int restPort() {
        return restPort;
    }

    /** {@code http://127.0.0.1:RESTPORT}, the base of Patroni's REST API ({@code /primary}, {@code /patroni}, ...). */
    public String apiUrl() {
        return "http://" + PostgresNode.HOST + ":" + restPort;
    }

    /** The node's directory: config, log, pid file, pgpass, unix socket and data dir. */
    public Path dir() {
        return dir;
    }

    /** This agent's YAML config, for {@code patronictl -c}. */
    public Path configFile() {
        return dir.resolve(CONFIG_FILE);
    }

    public Path dataDir() {
        return server.dataDir();
    }

    /** Patroni's output, PostgreSQL's log included. */
    public Path logFile() {
        return dir.resolve("patroni.log");
    }

    public String jdbcUrl(String db) {
        return server.jdbcUrl(db);
    }

    /** A JDBC connection to this node's PostgreSQL as the cluster's superuser. */
    public Connection connect(String db) throws SQLException {
        return server.connect(db);
    }

    /** The Patroni agent's pid while it runs. */
    public OptionalLong patroniPid() {
        return agentProcess().map(p -> OptionalLong.of(p.pid())).orElse(OptionalLong.empty());
    }

    /** The postmaster's pid (from {@code data/postmaster.pid}) while it runs. */
    public OptionalLong postmasterPid() {
        return server.postmasterPid();
    }

    public boolean isAgentRunning() {
        return agentProcess().isPresent();
    }

    public boolean isPostgresRunning() {
        return server.isRunning();
    }

    /**
     * The status code Patroni's REST API gives a GET of {@code path} ({@code "/primary"},
     * {@code "/replica?lag=1MB"}, {@code "/health"}), or -1 if it does not answer within 2 s.
     */
    public int restStatus(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl() + path)).timeout(REST_TIMEOUT).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** GET {@code /primary} answers 200: Patroni holds the leader key and PostgreSQL runs as primary. */
    public boolean isPrimary() {
        return restStatus("/primary") == 200;
    }

    /** Starts the Patroni agent unless it runs (after {@link #kill()} it rejoins the cluster). */
    public synchronized void start() {
        if (isAgentRunning()) {
            return;
        }
        Path pidFile = dir.resolve(PID_FILE);
        // sh writes its pid and then becomes patroni, so the file names patroni however runuser wraps it.
        String script = "echo $$ > " + Reaper.quote(pidFile.toString())
                + " && exec " + Reaper.quote(patroniBinary.toString()) + " " + Reaper.quote(configFile().toString());
        List<String> command = new ArrayList<>();
        command.add("setsid"); // its own session: Ctrl-C in the demo's terminal reaches the JVM only
        command.addAll(user.command(List.of("sh", "-c", script)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile().toFile()));
        // PATRONI_* variables would override the config file.
        builder.environment().keySet().removeIf(variable -> variable.startsWith("PATRONI_"));
        try {
            Files.deleteIfExists(pidFile);
            agent = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start patroni for " + name, e);
        }
        LOG.debug("Started patroni {} (wrapper pid {})", name, agent.pid());
    }

    /**
     * SIGKILLs the Patroni agent only. PostgreSQL keeps running as it was, a primary included,
     * with nobody renewing the leader key: it expires after {@code ttl}.
     */
    public synchronized void killAgent() {
        Optional<ProcessHandle> patroni = agentProcess();
        if (agent != null) {
            Commands.killTree(agent.toHandle()); // the wrapper, patroni, and whatever patroni runs (initdb, pg_basebackup)
        }
        patroni.ifPresent(Commands::killTree); // in case an earlier wrapper started it
        patroni.ifPresent(p -> LOG.info("Killed patroni {} (pid {})", name, p.pid()));
    }

    /** Crashes the whole node like a power loss: SIGKILL to the agent, then to the postmaster and its children. */
    public synchronized void kill() {
        killAgent();
        server.kill();
    }

    /** For close(): kill the agent, then an immediate shutdown of PostgreSQL; never throws. */
    synchronized void stopQuietly() {
        try {
            killAgent();
        } catch (RuntimeException e) {
            LOG.warn("Could not kill patroni {}", name, e);
        }
        try {
            OptionalLong pid = server.postmasterPid();
            if (pid.isPresent()) {
                continueTree(pid.getAsLong()); // a SIGSTOPped postmaster would ignore pg_ctl stop
            }
            server.stopImmediately();
        } catch (RuntimeException e) {
            LOG.warn("Could not stop PostgreSQL {}", name, e);
        }
    }

    private static void continueTree(long pid) {
        ProcessHandle.of(pid).ifPresent(postmaster -> {
            List<String> command = new ArrayList<>(List.of("kill", "-s", "CONT", String.valueOf(pid)));
            postmaster.descendants().forEach(child -> command.add(String.valueOf(child.pid())));
            Commands.run(command, Map.of(), null, Duration.ofSeconds(10)); // some may be gone: fine
        });
    }

    /** The process named in patroni.pid, if it is alive and still patroni (pids get reused). */
    private Optional<ProcessHandle> agentProcess() {
        String text;
        try {
            text = Files.readString(dir.resolve(PID_FILE), StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the pid file of patroni " + name, e);
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Optional.empty(); // being written right now
        }
        return ProcessHandle.of(pid)
                .filter(Commands::isRunning)
                .filter(p -> p.info().commandLine().map(c -> c.contains("patroni")).orElse(true));
    }

    String logTail(int lines) {
        try {
            // Lenient decoding: PostgreSQL writes messages in the server's encoding.
            // Without the "no action" line each HA loop writes: what is left is what happened.
            List<String> all = new String(Files.readAllBytes(logFile()), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.contains(" INFO: no action. "))
                    .toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "@" + PostgresNode.HOST + ":" + pgPort() + " (api " + restPort + ")";
    }
}
