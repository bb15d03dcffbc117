package io.pgwarden.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away HAProxy in front of a {@link PatroniCluster}, configured like Patroni's example
 * {@code haproxy.cfg}: one {@code listen primary} on 127.0.0.1 whose health check asks each member's
 * REST API {@code OPTIONS /primary}, so only the leader takes connections. The comparison point for
 * pgwarden's failover: HAProxy learns of a new leader only through its checks.
 *
 * <p>Gone after {@link #close()}, and also when the JVM dies without closing it (see {@link Reaper}).
 * Runs as the JVM's user; its log (server state changes, not connections) is {@link #logFile()}.
 */
public final class HaproxyServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HaproxyServer.class);

    public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/haproxy");
    static final String PACKAGE = "haproxy";
    /** The name of the {@code listen} section, as in {@code show stat}. */
    public static final String PROXY = "primary";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STATS_TIMEOUT = Duration.ofSeconds(5);

    /**
     * A PostgreSQL server behind the proxy.
     *
     * @param name      the {@code server} name, also in {@link #serverStatus()}
     * @param checkPort the port of its Patroni REST API
     */
    public record Backend(String name, String host, int port, int checkPort) {

        public Backend {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (!name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("not a usable HAProxy server name: " + name);
            }
        }

        /** A Patroni member: its PostgreSQL port, checked on its REST port. */
        public static Backend of(PatroniNode node) {
            return new Backend(node.name(), node.host(), node.pgPort(), node.restPort());
        }
    }

    /**
     * @param port           where {@code listen primary} binds on 127.0.0.1; 0 for a free port
     * @param checkInterval  {@code inter}: time between health checks of one server
     * @param fall           failed checks before a server is marked down
     * @param rise           passed checks before a server is marked up
     * @param connectTimeout {@code timeout connect}, to the server and to its REST API
     * @param checkTimeout   {@code timeout check}: how long a check may wait for the answer
     * @param binary         the haproxy executable
     */
    public record Options(int port, Duration checkInterval, int fall, int rise, Duration connectTimeout,
                          Duration checkTimeout, Path binary) {

        public Options {
            Objects.requireNonNull(checkInterval, "checkInterval");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(checkTimeout, "checkTimeout");
            Objects.requireNonNull(binary, "binary");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            if (fall < 1 || rise < 1) {
                throw new IllegalArgumentException("fall and rise must be >= 1");
            }
            if (checkInterval.toMillis() < 1) {
                throw new IllegalArgumentException("checkInterval must be at least 1 ms");
            }
        }

        /** Patroni's example: {@code inter 3s fall 3 rise 2}; a free port; 2 s connect and check timeouts. */
        public static Options defaults() {
            return new Options(0, Duration.ofSeconds(3), 3, 2, Duration.ofSeconds(2), Duration.ofSeconds(2),
                    DEFAULT_BINARY);
        }

        public Options withPort(int port) {
            return new Options(port, checkInterval, fall, rise, connectTimeout, checkTimeout, binary);
        }

        /** {@code inter}, {@code fall} and {@code rise} of {@code default-server}. */
        public Options withChecks(Duration checkInterval, int fall, int rise) {
            return new Options(port, checkInterval, fall, rise, connectTimeout, checkTimeout, binary);
        }

        public Options withTimeouts(Duration connectTimeout, Duration checkTimeout) {
            return new Options(port, checkInterval, fall, rise, connectTimeout, checkTimeout, binary);
        }

        public Options withBinary(Path binary) {
            return new Options(port, checkInterval, fall, rise, connectTimeout, checkTimeout, binary);
        }
    }

    private final Process process;
    private final Path tempDir;
    private final Reaper reaper;
    private final int port;
    private final List<Backend> backends;
    private boolean closed;

    private HaproxyServer(Process process, Path tempDir, Reaper reaper, int port, List<Backend> backends) {
        this.process = process;
        this.tempDir = tempDir;
        this.reaper = reaper;
        this.port = port;
        this.backends = backends;
    }

    /** HAProxy with {@link Options#defaults()} in front of every member of {@code cluster}. */
    public static HaproxyServer start(PatroniCluster cluster) {
        return start(cluster, Options.defaults());
    }

    public static HaproxyServer start(PatroniCluster cluster, Options options) {
        return start(cluster.nodes().stream().map(Backend::of).toList(), options);
    }

    /**
     * Starts HAProxy and returns once its port accepts connections and every server has had its first
     * health check (within one check interval), so that connections reach the leader alone from then
     * on, if there is one. After a failover, HAProxy follows only after {@code fall} failed and
     * {@code rise} passed checks; {@link #awaitOnlyUp} waits for that.
     *
     * @throws IllegalStateException if HAProxy is not installed, or exits or does not listen within 15 s
     */
    public static HaproxyServer start(List<Backend> backends, Options options) {
        if (!Files.isExecutable(options.binary())) {
            throw new IllegalStateException("HAProxy binary " + options.binary() + " not found; install the Debian package "
                    + PACKAGE);
        }
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backends");
        }
        List<Backend> servers = List.copyOf(backends);
        Path tempDir = TempDirs.create("pgwarden-haproxy-", ServerUser.direct());
        Reaper reaper;
        try {
            reaper = Reaper.watch(tempDir, "[ -f \"$dir/haproxy.pid\" ] && kill -9 \"$(cat \"$dir/haproxy.pid\")\" 2>/dev/null");
        } catch (RuntimeException e) {
            TempDirs.deleteQuietly(tempDir);
            throw e;
        }
        int port = options.port() == 0 ? FreePorts.next() : options.port();
        Path config = tempDir.resolve("haproxy.cfg");
        Process process;
        try {
            Files.writeString(config, config(port, servers, options, tempDir.resolve("admin.sock")), StandardCharsets.UTF_8);
            // -db: stay in the foreground; setsid: Ctrl-C in the demo's terminal reaches the JVM (which closes this) only.
            process = new ProcessBuilder("setsid", options.binary().toString(), "-db", "-f", config.toString())
                    .directory(tempDir.toFile())
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(tempDir.resolve("haproxy.log").toFile()))
                    .start();
            Files.writeString(tempDir.resolve("haproxy.pid"), String.valueOf(process.pid()));
        } catch (IOException e) {
            reaper.stop();
            TempDirs.deleteQuietly(tempDir);
            throw new UncheckedIOException("could not start haproxy", e);
        }
        HaproxyServer server = new HaproxyServer(process, tempDir, reaper, port, servers);
        OpenFixtures.add(server);
        try {
            server.awaitListening();
            server.awaitFirstChecks(options.checkInterval().plus(options.checkTimeout()).plus(START_TIMEOUT));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Started HAProxy on {}:{} in front of {}", PostgresNode.HOST, port,
                servers.stream().map(Backend::name).toList());
        return server;
    }

    public String host() {
        return PostgresNode.HOST;
    }

    /** The port of {@code listen primary}. */
    public int port() {
        return port;
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + PostgresNode.HOST + ":" + port + "/" + db;
    }

    public List<Backend> backends() {
        return backends;
    }

    public Path configFile() {
        return tempDir.resolve("haproxy.cfg");
    }

    public Path logFile() {
        return tempDir.resolve("haproxy.log");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Each server's state as HAProxy sees it now ({@code show stat} on the admin socket): {@code UP},
     * {@code DOWN}, or a transition such as {@code UP 1/3} (up, one failed check) or {@code DOWN 1/2}.
     * Only servers whose state starts with {@code UP} get new connections.
     */
    public Map<String, String> serverStatus() {
        Map<String, String> states = new LinkedHashMap<>();
        stats().forEach(row -> states.put(row.get("svname"), row.get("status")));
        return states;
    }

    /** The rows of {@code show stat} for this proxy's servers, column name to value. */
    private List<Map<String, String>> stats() {
        String csv = adminCommand("show stat");
        List<String> lines = csv.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("# ")) {
            throw new IllegalStateException("unexpected answer to show stat: " + csv);
        }
        String[] header = lines.get(0).substring(2).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(header.length, fields.length); i++) {
                row.put(header[i], fields[i]);
            }
            String server = row.getOrDefault("svname", "");
            if (PROXY.equals(row.get("pxname")) && !server.equals("FRONTEND") && !server.equals("BACKEND")) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * Waits until {@code server} is fully up and every other server is down: from then on new
     * connections go to {@code server} alone.
     *
     * @throws IllegalStateException on timeout, with the last states seen
     */
    public void awaitOnlyUp(String server, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = Map.of();
        while (true) {
            states = serverStatus();
            boolean others = states.entrySet().stream()
                    .filter(e -> !e.getKey().equals(server))
                    .noneMatch(e -> e.getValue().startsWith("UP"));
            if ("UP".equals(states.get(server)) && others) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("HAProxy did not route to " + server + " alone within "
                        + timeout.toMillis() + " ms: " + states);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for HAProxy", e);
            }
        }
    }

    /** Kills HAProxy and deletes its temp dir; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Commands.kill(process, "haproxy");
        if (TempDirs.deleteQuietly(tempDir)) {
            reaper.stop();
        } // else the reaper removes what is left once this JVM exits
        OpenFixtures.remove(this);
        LOG.info("Stopped HAProxy on {}:{}", PostgresNode.HOST, port);
    }

    @Override
    public String toString() {
        return "HaproxyServer[" + PostgresNode.HOST + ":" + port + " -> " + backends + "]";
    }

    static String config(int port, List<Backend> backends, Options options, Path adminSocket) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("# written by pgwarden-local (HaproxyServer), after Patroni's haproxy.cfg\n")
                .append("global\n")
                .append("    maxconn 1000\n")
                .append("    nbthread 1\n")
                // notice: server state changes, not one line per connection
                .append("    log stdout format raw local0 notice\n")
                .append("    stats socket ").append(adminSocket).append(" mode 600 level admin\n")
                .append("\n")
                .append("defaults\n")
                .append("    log global\n")
                .append("    mode tcp\n")
                .append("    retries 2\n")
                .append("    timeout client 30m\n")
                .append("    timeout connect ").append(options.connectTimeout().toMillis()).append("ms\n")
                .append("    timeout server 30m\n")
                .append("    timeout check ").append(options.checkTimeout().toMillis()).append("ms\n")
                .append("\n")
                .append("listen ").append(PROXY).append('\n')
                .append("    bind ").append(PostgresNode.HOST).append(':').append(port).append('\n')
                .append("    option httpchk OPTIONS /primary\n")
                .append("    http-check expect status 200\n")
                .append("    default-server inter ").append(options.checkInterval().toMillis()).append("ms")
                .append(" fall ").append(options.fall()).append(" rise ").append(options.rise())
                .append(" on-marked-down shutdown-sessions\n");
        for (Backend backend : backends) {
            cfg.append("    server ").append(backend.name()).append(' ').append(backend.host()).append(':')
                    .append(backend.port()).append(" check port ").append(backend.checkPort()).append('\n');
        }
        return cfg.toString();
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with code " + process.exitValue() + "; log:\n" + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(PostgresNode.HOST, port), 500);
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for haproxy", e);
            }
        }
        throw new IllegalStateException("haproxy not listening on port " + port + " after " + START_TIMEOUT.toSeconds()
                + " s (" + last + "); log:\n" + log());
    }

    /**
     * HAProxy starts every server as up ({@code UP 1/3}, check status {@code INI}) and marks it down
     * at its first failed check, which comes within one {@code inter}: wait for those first checks, so
     * that no connection after start() lands on a replica.
     */
    private void awaitFirstChecks(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // HAProxy may accept on its port a moment before its admin socket exists (seen on a busy machine).
            List<Map<String, String>> rows = Files.exists(tempDir.resolve("admin.sock")) ? stats()
                    : List.of(Map.of("check_status", "INI"));
            // "* " marks a check in progress
            if (rows.stream().map(r -> r.getOrDefault("check_status", "").replace("* ", "")).noneMatch("INI"::equals)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("HAProxy has not checked every server after " + timeout.toMillis()
                        + " ms: " + rows);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with code " + process.exitValue() + "; log:\n" + log());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for haproxy", e);
            }
        }
    }

    /** One command on the admin socket; HAProxy answers and closes. Non-blocking, so a frozen HAProxy cannot hang us. */
    private String adminCommand(String command) {
        Path socket = tempDir.resolve("admin.sock");
        long deadline = System.nanoTime() + STATS_TIMEOUT.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            while (true) {
                int read = channel.read(buffer);
                if (read < 0) {
                    return answer.toString(StandardCharsets.UTF_8);
                }
                if (read > 0) {
                    answer.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                    continue;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no complete answer to '" + command + "' from haproxy within "
                            + STATS_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(5);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not ask haproxy '" + command + "' on " + socket, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to haproxy", e);
        }
    }

    private String log() {
        try {
            List<String> lines = new String(Files.readAllBytes(logFile()), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
