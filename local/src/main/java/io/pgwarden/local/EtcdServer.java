package io.pgwarden.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away single-member etcd, on 127.0.0.1 unless {@link Options} say otherwise, data in a temp
 * dir. Gone after {@link #close()}, and also when the JVM dies without closing it (see {@link Reaper}).
 */
public final class EtcdServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdServer.class);

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/etcd");
    static final String PACKAGE = "etcd-server";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration GET_TIMEOUT = Duration.ofSeconds(2);
    // The v3 JSON gateway answers base64 values, which need no unescaping.
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([A-Za-z0-9+/=]*)\"");

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
    private final Process process;
    private final Path tempDir;
    private final Reaper reaper;
    private final int clientPort;
    private final int peerPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private boolean paused;
    private boolean closed;

    private EtcdServer(Path binary, Options options, String clusterToken, Process process, Path tempDir, Reaper reaper,
            int clientPort, int peerPort) {
        this.binary = binary;
        this.options = options;
        this.clusterToken = clusterToken;
        this.process = process;
        this.tempDir = tempDir;
        this.reaper = reaper;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
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
     *
     * @throws IllegalStateException if etcd is not installed or does not become healthy
     */
    public static EtcdServer start(Options options) {
        return start(DEFAULT_BINARY, options, FreePorts.next(), FreePorts.next(), newClusterToken());
    }

    static EtcdServer start(Path binary) {
        return start(binary, Options.loopback(), FreePorts.next(), FreePorts.next(), newClusterToken());
    }

    private static EtcdServer start(Path binary, Options options, int clientPort, int peerPort, String clusterToken) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("etcd binary " + binary + " not found; install the Debian package " + PACKAGE);
        }
        // etcd runs fine as root, so it runs as the JVM's user.
        Path tempDir = TempDirs.create("pgwarden-etcd-", ServerUser.direct());
        Path pidFile = tempDir.resolve("etcd.pid");
        Reaper reaper;
        try {
            reaper = Reaper.watch(tempDir, "[ -f \"$dir/etcd.pid\" ] && kill -9 \"$(cat \"$dir/etcd.pid\")\" 2>/dev/null");
        } catch (RuntimeException e) {
            deleteQuietly(tempDir);
            throw e;
        }
        String clientUrls = String.join(",", urls(options.hosts(), clientPort));
        String peerUrl = url(options.hosts().get(0), peerPort);
        // setsid: its own session, so Ctrl-C in the demo's terminal reaches the JVM (which closes this) only.
        // A prefix such as "ip netns exec" execs the rest without forking: the process stays etcd's.
        List<String> command = new ArrayList<>(options.commandPrefix());
        command.addAll(List.of("setsid", binary.toString(),
                "--name", "etcd0",
                "--data-dir", tempDir.resolve("data").toString(),
                "--listen-client-urls", clientUrls,
                "--advertise-client-urls", clientUrls,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "etcd0=" + peerUrl,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", clusterToken,
                "--logger", "zap",
                "--log-outputs", "stderr"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(tempDir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(tempDir.resolve("etcd.log").toFile()));
        String arch = System.getProperty("os.arch");
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            builder.environment().put("ETCD_UNSUPPORTED_ARCH", "arm64"); // etcd 3.4 refuses arm64 without it
        }
        Process process;
        try {
            process = builder.start();
            Files.writeString(pidFile, String.valueOf(process.pid()));
        } catch (IOException e) {
            reaper.stop();
            deleteQuietly(tempDir);
            throw new UncheckedIOException("could not start etcd", e);
        }
        EtcdServer server = new EtcdServer(binary, options, clusterToken, process, tempDir, reaper, clientPort, peerPort);
        OpenFixtures.add(server);
        try {
            server.awaitHealthy();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Started etcd on {} in {}", clientUrls, tempDir);
        return server;
    }

    /**
     * Kills this etcd, deletes its data and starts a new, empty one on the same ports under a new
     * cluster token: what clients see when etcd is wiped or replaced at the same address (revisions
     * start again from 1, the cluster id changes). This server stays closed; use the one returned.
     */
    public EtcdServer replaceWithEmpty() {
        close();
        EtcdServer replacement = start(binary, options, clientPort, peerPort, newClusterToken());
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
        EtcdServer restarted = start(binary, options, clientPort, peerPort, clusterToken);
        LOG.info("Wiped etcd on {} and started it again, empty (same cluster id)", clientUrl());
        return restarted;
    }

    /** {@code http://127.0.0.1:PORT}, or the first of {@link Options#hosts()}. */
    public String clientUrl() {
        return url(options.hosts().get(0), clientPort);
    }

    /** One URL per address etcd serves clients on, in the order of {@link Options#hosts()}. */
    public List<String> clientUrls() {
        return urls(options.hosts(), clientPort);
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    public Path dataDir() {
        return tempDir.resolve("data");
    }

    /** etcd's own log (stdout and stderr). */
    public Path logFile() {
        return tempDir.resolve("etcd.log");
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
    public Optional<String> get(String key) {
        Base64.Encoder base64 = Base64.getEncoder();
        String body = "{\"key\":\"" + base64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(clientUrl() + "/v3/kv/range"))
                .timeout(GET_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + key + " from etcd on " + clientUrl(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + key + " from etcd", e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("etcd answered " + response.statusCode() + " to a read of " + key
                    + ": " + response.body());
        }
        if (!response.body().contains("\"kvs\"")) {
            return Optional.empty();
        }
        Matcher value = VALUE.matcher(response.body());
        // The gateway leaves out fields with default values: no "value" means an empty one.
        return Optional.of(value.find()
                ? new String(Base64.getDecoder().decode(value.group(1)), StandardCharsets.UTF_8) : "");
    }

    /** Freezes etcd (SIGSTOP): connections stay open, nothing answers. Simulates a hung or partitioned DCS. */
    public synchronized void pause() {
        signal("-STOP");
        paused = true;
        LOG.info("Paused etcd on {}", clientUrl());
    }

    /** Thaws etcd after {@link #pause()} (SIGCONT). */
    public synchronized void resume() {
        signal("-CONT");
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
        if (process.isAlive()) {
            process.destroyForcibly(); // SIGKILL works on a stopped process too
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    LOG.warn("etcd {} did not exit after SIGKILL", process.pid());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (deleteQuietly(tempDir)) {
            reaper.stop();
        } // else the reaper removes what is left once this JVM exits
        OpenFixtures.remove(this);
        LOG.info("Stopped etcd on {}", clientUrl());
    }

    @Override
    public String toString() {
        return "EtcdServer[" + clientUrl() + "]";
    }

    private void signal(String signal) {
        if (!process.isAlive()) {
            throw new IllegalStateException("etcd is not running");
        }
        Commands.run(SIGNAL_TIMEOUT, "kill", signal, String.valueOf(process.pid())).requireSuccess("kill " + signal);
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(clientUrl() + "/health"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with code " + process.exitValue() + "; log:\n" + logTail());
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && response.body().replace(" ", "").contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
        }
        throw new IllegalStateException("etcd not healthy after " + START_TIMEOUT.toSeconds() + " s (" + last
                + "); log:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String newClusterToken() {
        return "pgwarden-" + UUID.randomUUID();
    }

    private static String url(String host, int port) {
        return "http://" + host + ":" + port;
    }

    private static List<String> urls(List<String> hosts, int port) {
        return hosts.stream().map(host -> url(host, port)).toList();
    }

    private static boolean deleteQuietly(Path dir) {
        try {
            TempDirs.deleteTree(dir);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
            return false;
        }
    }
}
