package io.pgwarden.launcher;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.CommandTimeoutException;
import io.pgwarden.local.Commands;
import io.pgwarden.local.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as a user runs it: the packaged jar in its own JVM, etcd and three agents behind the
 * router; psql through both ports, the leader crashed with the banner's own {@code kill -9} line,
 * then SIGTERM, after which nothing it started may remain.
 */
class DemoIT {

    private static final Path JAR = Path.of("target", "pgwarden.jar");
    private static final int TTL = 10;
    private static final Duration BANNER_TIMEOUT = Duration.ofMinutes(4);
    private static final Pattern ETCD = Pattern.compile("^ {2}etcd +(http://127\\.0\\.0\\.1:\\d+) +scope demo ");
    private static final Pattern NODE = Pattern.compile(
            "^ {2}(node\\d) +(leader|sync standby|replica) +127\\.0\\.0\\.1:(\\d+) +http://127\\.0\\.0\\.1:(\\d+) +(\\d+) +(\\d+)$");
    private static final Pattern CRASH = Pattern.compile("^ {2}kill -9 (\\d+) (\\d+) +# crash the leader (node\\d) ");
    private static final Pattern LOGS = Pattern.compile("^ {2}logs: agents (\\S+)/nodeN\\.log");

    record Node(String name, String role, int pgPort, int restPort, long agentPid, long postmasterPid) {
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void agentsFailOverAfterTheLeaderCrashesAndSigtermLeavesNothing() throws Exception {
        assertThat(JAR).exists();
        int primaryPort = FreePorts.next();
        int replicaPort = FreePorts.next();
        int adminPort = FreePorts.next();
        Process demo = new ProcessBuilder("java", "-jar", JAR.toString(), "demo",
                "--primary-port", String.valueOf(primaryPort), "--replica-port", String.valueOf(replicaPort),
                "--admin-port", String.valueOf(adminPort))
                .redirectErrorStream(true)
                .start();
        DemoOutput output = DemoOutput.drain(demo);
        Map<String, Node> nodes = new LinkedHashMap<>();
        // Handles, not pids: a handle knows its process's start time, so a reused pid does not count.
        List<ProcessHandle> started = new ArrayList<>();
        Path dir = null;
        String etcdUrl = null;
        try {
            List<String> banner = output.awaitLine(LOGS, BANNER_TIMEOUT);
            String text = String.join("\n", banner);
            assertThat(text).contains("pgwarden demo is up");
            etcdUrl = find(banner, ETCD).orElseThrow(() -> new AssertionError("no etcd line in\n" + text)).group(1);
            for (String line : banner) {
                Matcher m = NODE.matcher(line);
                if (m.find()) {
                    nodes.put(m.group(1), new Node(m.group(1), m.group(2), Integer.parseInt(m.group(3)),
                            Integer.parseInt(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6))));
                }
            }
            nodes.values().forEach(n -> Stream.of(n.agentPid(), n.postmasterPid())
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(started::add)));
            dir = Path.of(find(banner, LOGS).orElseThrow().group(1));
            assertThat(nodes).as(text).hasSize(3);
            assertThat(nodes.values()).extracting(Node::role)
                    .containsExactlyInAnyOrder("leader", "sync standby", "replica");
            Node leader = nodes.values().stream().filter(n -> n.role().equals("leader")).findFirst().orElseThrow();
            Matcher crash = find(banner, CRASH).orElseThrow(() -> new AssertionError("no crash line in\n" + text));
            assertThat(List.of(crash.group(3), crash.group(1), crash.group(2)))
                    .as("the crash line aims at the leader")
                    .containsExactly(leader.name(), String.valueOf(leader.agentPid()), String.valueOf(leader.postmasterPid()));
            assertThat(text).contains("curl -s http://127.0.0.1:" + leader.restPort() + "/patroni")
                    .contains("etcdctl --endpoints " + etcdUrl + " get --prefix /service/demo/")
                    .contains("PGPASSWORD=postgres psql -h 127.0.0.1 -p " + primaryPort + " -U postgres postgres   # read-write")
                    .contains("PGPASSWORD=postgres psql -h 127.0.0.1 -p " + replicaPort + " -U postgres postgres   # read-only");
            assertThat(dir.resolve(leader.name() + ".log")).exists();
            checkPatronictlLine(text, dir, nodes.keySet());

            assertThat(writeThroughRouter(primaryPort, 1, Duration.ofSeconds(30)))
                    .as("a write through the primary port lands on the leader").isEqualTo(leader.pgPort());
            CommandResult read = ClientTools.psql("127.0.0.1", replicaPort, "postgres", "postgres", "postgres",
                    "-Atc", "SELECT inet_server_port(), pg_is_in_recovery()");
            assertThat(read.succeeded()).as(read.stderr()).isTrue();
            String[] readOn = read.stdout().trim().split("\\|");
            assertThat(readOn[1]).as("a read through the replica port runs in recovery").isEqualTo("t");
            assertThat(Integer.parseInt(readOn[0])).as("... on a replica")
                    .isIn(nodes.values().stream().filter(n -> n != leader).map(Node::pgPort).toList());

            long crashedAt = System.nanoTime();
            Commands.run(Duration.ofSeconds(10), "kill", "-9", crash.group(1), crash.group(2)).requireSuccess("kill -9");
            Duration failover = Duration.ofSeconds(TTL + 5);
            int newLeaderPort = writeThroughRouter(primaryPort, 2, failover);
            Duration took = Duration.ofNanos(System.nanoTime() - crashedAt);
            assertThat(newLeaderPort).as("after the crash writes land on another node").isNotEqualTo(leader.pgPort())
                    .isIn(nodes.values().stream().map(Node::pgPort).toList());
            assertThat(took).as("writes work again within ttl + 5 s").isLessThanOrEqualTo(failover);
            // Every process the surviving servers run now is one the demo's shutdown must end.
            nodes.values().forEach(n -> ProcessHandle.of(n.postmasterPid())
                    .ifPresent(p -> p.descendants().forEach(started::add)));
        } finally {
            demo.toHandle().destroy(); // SIGTERM, as Ctrl-C's sibling; Process.destroy() would also close its output
            boolean exited = demo.waitFor(90, TimeUnit.SECONDS);
            if (!exited) {
                demo.destroyForcibly();
            }
            Files.writeString(Path.of("target", "demo-it-output.log"), output.text()); // for reading after a failure
            assertThat(exited).as("demo exits after SIGTERM; its output:\n" + output.text()).isTrue();
        }
        assertThat(dir).as("the demo's temp dir is removed")
                .satisfies(d -> assertThat(Files.exists(d)).isFalse());
        assertThat(isListening(primaryPort)).as("router port closed").isFalse();
        // An exited postmaster is reparented to init and stays a zombie until init reaps it, which in a
        // container may take a moment: dead is what counts, not reaped.
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (started.stream().anyMatch(DemoIT::running) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertThat(started.stream().filter(DemoIT::running).map(p -> p.pid() + " " + p.info()).toList())
                .as("agents, postmasters and their children are gone").isEmpty();
        assertThat(pgrep(dir.toString())).as("no agent or postgres with files in the demo's dir").isEmpty();
        assertThat(pgrep(etcdUrl)).as("no etcd on the demo's URL").isEmpty();
    }

    /** patronictl, when installed, lists the cluster through the file the demo wrote. */
    private static void checkPatronictlLine(String banner, Path dir, java.util.Set<String> names) {
        if (!Files.isExecutable(Path.of("/usr/bin/patronictl"))) {
            assertThat(banner).doesNotContain("patronictl");
            return;
        }
        assertThat(banner).contains("patronictl -c " + dir.resolve("patronictl.yml") + " list");
        CommandResult list = Commands.run(Duration.ofSeconds(30), "patronictl", "-c", dir.resolve("patronictl.yml").toString(), "list");
        assertThat(list.succeeded()).as(list.stderr()).isTrue();
        assertThat(list.stdout()).contains("Leader").contains(names);
    }

    /**
     * Inserts through the router's primary port until it commits or {@code within} has passed.
     *
     * @return the port of the server that committed it
     */
    private static int writeThroughRouter(int port, int id, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "none";
        for (int attempt = 0; attempt < 200 && System.nanoTime() < deadline; attempt++) {
            Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000_000L));
            try {
                CommandResult result = ClientTools.psql(left, "127.0.0.1", port, "postgres", "postgres", "postgres", "-qAt",
                        "-c", "CREATE TABLE IF NOT EXISTS demo_it (id int)",
                        "-c", "INSERT INTO demo_it VALUES (" + id + ")",
                        "-c", "SELECT inet_server_port()");
                if (result.succeeded()) {
                    return Integer.parseInt(result.stdout().trim());
                }
                last = result.stderr();
            } catch (CommandTimeoutException e) {
                last = e.getMessage(); // the router held the write past the deadline
            }
            sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("no write through port " + port + " within " + within.toSeconds() + " s; last: " + last);
    }

    private static Optional<Matcher> find(List<String> lines, Pattern pattern) {
        return lines.stream().map(pattern::matcher).filter(Matcher::find).findFirst();
    }

    /** Processes whose command line contains {@code text} (its dots match any character: harmless here). */
    /** Alive and not a zombie (state Z in /proc/<pid>/stat: exited, waiting for its parent to reap it). */
    private static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    private static List<String> pgrep(String text) {
        CommandResult result = Commands.run(Duration.ofSeconds(10), "pgrep", "-af", text);
        return result.stdout().lines().filter(line -> !line.isBlank()).toList();
    }

    private static boolean isListening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Reads the demo's output on a thread of its own, so that the demo never blocks on a full pipe. */
    private static final class DemoOutput {

        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        static DemoOutput drain(Process process) {
            DemoOutput output = new DemoOutput();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        output.lines.add(line);
                    }
                } catch (IOException e) {
                    output.lines.add("(output ended: " + e + ")");
                }
            }, "demo-output");
            reader.setDaemon(true);
            reader.start();
            return output;
        }

        /** The lines so far, once one matches {@code pattern}. */
        List<String> awaitLine(Pattern pattern, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                List<String> now = snapshot();
                if (now.stream().anyMatch(line -> pattern.matcher(line).find())) {
                    return now;
                }
                sleep(Duration.ofMillis(200));
            }
            throw new AssertionError("no line like " + pattern + " within " + timeout.toSeconds() + " s; output:\n" + text());
        }

        List<String> snapshot() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        String text() {
            return String.join("\n", snapshot());
        }
    }
}
