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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd process on 127.0.0.1, what {@link EtcdServer} (one member) and {@link EtcdCluster} (several)
 * share: started with its peers, its pid in a file for the {@link Reaper}, checked through
 * {@code /health}, read through the v3 JSON gateway, signalled and killed. Its directory holds
 * {@code data/}, {@code etcd.log} and {@code etcd.pid}.
 */
final class EtcdProcess {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdProcess.class);

    static final String PACKAGE = "etcd-server";

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    // The v3 JSON gateway answers base64 values, which need no unescaping.
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([A-Za-z0-9+/=]*)\"");
    // The gateway writes uint64 fields as JSON strings.
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"(\\d+)\"");

    /**
     * A member's name, ports and addresses; its URLs follow from them.
     *
     * @param hosts         addresses it serves clients on (one port for all); the first is also its peer
     *                      address and the one this JVM talks to
     * @param commandPrefix put before etcd's command line, e.g. {@code ip netns exec NS}; empty: none
     * @param tls           https client URLs with these files; empty: plain http
     * @param metricsPort   with TLS, {@code /health} is read over plain http on this port (0 without TLS)
     */
    record Member(String name, int clientPort, int peerPort, List<String> hosts, List<String> commandPrefix,
                  Optional<EtcdServer.Tls> tls, int metricsPort) {

        Member {
            hosts = List.copyOf(hosts);
            commandPrefix = List.copyOf(commandPrefix);
            if (tls.isPresent() != (metricsPort != 0)) {
                throw new IllegalArgumentException("a TLS member needs a metrics port for its health checks, and only it");
            }
        }

        Member(String name, int clientPort, int peerPort, List<String> hosts, List<String> commandPrefix) {
            this(name, clientPort, peerPort, hosts, commandPrefix, Optional.empty(), 0);
        }

        Member(String name, int clientPort, int peerPort) {
            this(name, clientPort, peerPort, List.of(PostgresNode.HOST), List.of());
        }

        String clientUrl() {
            return clientUrls().get(0);
        }

        List<String> clientUrls() {
            String scheme = tls.isPresent() ? "https" : "http";
            return hosts.stream().map(h -> url(scheme, h, clientPort)).toList();
        }

        /** Where {@code /health} and the v3 JSON gateway answer this JVM without a client certificate or token. */
        String plainUrl() {
            return tls.isPresent() ? url(hosts.get(0), metricsPort) : clientUrl();
        }

        String peerUrl() {
            return url(hosts.get(0), peerPort);
        }
    }

    private final Member member;
    private final Process process;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private EtcdProcess(Member member, Process process, Path dir) {
        this.member = member;
        this.process = process;
        this.dir = dir;
    }

    /**
     * Starts {@code self} as one of {@code cluster} (which includes it), in {@code dir}. An existing data
     * dir wins over the initial-cluster flags, so the same call restarts a stopped member, which rejoins.
     * Returns at once; see {@link #awaitHealthy}.
     */
    static EtcdProcess start(Path binary, Member self, List<Member> cluster, String clusterToken, Path dir) {
        requireBinary(binary);
        String initialCluster = cluster.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","));
        String clientUrls = String.join(",", self.clientUrls());
        // setsid: its own session, so Ctrl-C in the demo's terminal reaches the JVM (which closes this) only.
        // A prefix such as "ip netns exec" execs the rest without forking: the process stays etcd's.
        List<String> command = new java.util.ArrayList<>(self.commandPrefix());
        command.addAll(List.of("setsid", binary.toString(),
                "--name", self.name(),
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", clientUrls,
                "--advertise-client-urls", clientUrls,
                "--listen-peer-urls", self.peerUrl(),
                "--initial-advertise-peer-urls", self.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", clusterToken,
                "--logger", "zap",
                "--log-outputs", "stderr"));
        self.tls().ifPresent(tls -> {
            command.addAll(List.of("--cert-file", tls.certFile().toString(), "--key-file", tls.keyFile().toString(),
                    "--trusted-ca-file", tls.trustedCaFile().toString(),
                    "--listen-metrics-urls", self.plainUrl()));
            if (tls.clientCertAuth()) {
                command.add("--client-cert-auth");
            }
        });
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(dir.resolve("etcd.log").toFile()));
        String arch = System.getProperty("os.arch");
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            builder.environment().put("ETCD_UNSUPPORTED_ARCH", "arm64"); // etcd 3.4 refuses arm64 without it
        }
        try {
            Process process = builder.start();
            Files.writeString(dir.resolve("etcd.pid"), String.valueOf(process.pid()));
            return new EtcdProcess(self, process, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start etcd " + self.name(), e);
        }
    }

    static void requireBinary(Path binary) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("etcd binary " + binary + " not found; install the Debian package " + PACKAGE);
        }
    }

    /** Reaper lines that kill every etcd whose pid file matches {@code pidFiles}, a glob under {@code $dir}. */
    static String reaperCleanup(String pidFiles) {
        return "for f in \"$dir\"/" + pidFiles + "; do [ -f \"$f\" ] && kill -9 \"$(cat \"$f\")\" 2>/dev/null; done";
    }

    static String newClusterToken() {
        return "pgwarden-" + UUID.randomUUID();
    }

    static String url(int port) {
        return url(PostgresNode.HOST, port);
    }

    static String url(String host, int port) {
        return url("http", host, port);
    }

    static String url(String scheme, String host, int port) {
        return scheme + "://" + host + ":" + port;
    }

    Member member() {
        return member;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path logFile() {
        return dir.resolve("etcd.log");
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code /health} says healthy (which needs a raft leader, so a quorum). */
    void awaitHealthy(Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.plainUrl() + "/health"))
                .timeout(REQUEST_TIMEOUT).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd " + member.name() + " exited with code " + process.exitValue()
                        + "; log:\n" + logTail());
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
        throw new IllegalStateException("etcd " + member.name() + " not healthy after " + timeout.toSeconds() + " s ("
                + last + "); log:\n" + logTail());
    }

    /**
     * Reads one key, linearizably, through this member's v3 JSON gateway (what {@code etcdctl get}
     * shows, without a process).
     *
     * @return the value as UTF-8, or empty if the key does not exist
     * @throws IllegalStateException if etcd does not answer within 2 s (paused, stopped, no quorum)
     */
    Optional<String> get(String key) {
        Base64.Encoder base64 = Base64.getEncoder();
        String body = post("/v3/kv/range",
                "{\"key\":\"" + base64.encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\"}", "a read of " + key);
        return valueOf(body);
    }

    /** The value in a range response as the JSON gateway or {@code etcdctl get -w json} writes it. */
    static Optional<String> valueOf(String body) {
        if (!body.contains("\"kvs\"")) {
            return Optional.empty();
        }
        Matcher value = VALUE.matcher(body);
        // The gateway leaves out fields with default values: no "value" means an empty one.
        return Optional.of(value.find() ? new String(Base64.getDecoder().decode(value.group(1)), StandardCharsets.UTF_8) : "");
    }

    /**
     * Whether this member is the raft leader now, from its own maintenance status.
     *
     * @throws IllegalStateException if it does not answer within 2 s
     */
    boolean isRaftLeader() {
        String body = post("/v3/maintenance/status", "{}", "a status request");
        Matcher id = MEMBER_ID.matcher(body);
        Matcher leader = LEADER.matcher(body);
        if (!id.find() || !leader.find()) {
            throw new IllegalStateException("no member_id or leader in etcd's status: " + body);
        }
        return id.group(1).equals(leader.group(1));
    }

    /** kill -STOP / -CONT and the like. */
    void signal(String signal) {
        if (!process.isAlive()) {
            throw new IllegalStateException("etcd " + member.name() + " is not running");
        }
        Commands.run(SIGNAL_TIMEOUT, "kill", signal, String.valueOf(process.pid())).requireSuccess("kill " + signal);
    }

    /** SIGKILL (which ends a stopped process too), and waits for the exit. */
    void kill() {
        Commands.kill(process, "etcd " + member.name());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private String post(String path, String json, String what) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.clientUrl() + path))
                .timeout(REQUEST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("etcd on " + member.clientUrl() + " did not answer " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what + " on etcd", e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("etcd answered " + response.statusCode() + " to " + what + ": " + response.body());
        }
        return response.body();
    }

    static List<Member> members(String prefix, int count) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add(new Member(prefix + i, FreePorts.next(), FreePorts.next()));
        }
        return List.copyOf(members);
    }
}
