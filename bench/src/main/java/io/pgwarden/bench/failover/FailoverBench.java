package io.pgwarden.bench.failover;

import io.pgwarden.bench.BenchResources;
import io.pgwarden.bench.report.MarkdownSection;
import io.pgwarden.bench.throughput.MachineFacts;
import io.pgwarden.discovery.etcd.EtcdSourceSettings;
import io.pgwarden.discovery.etcd.EtcdTopologySource;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.HaproxyServer;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code pgwarden bench failover}: the same faults on pgwarden's agents and on Patroni, each run on a
 * fresh three-member cluster with an etcd of its own, while write probes go through every path at the
 * same time: the pgwarden router on either stack, and on Patroni also HAProxy with Patroni's example
 * checks and HAProxy with fast checks. After the heal every acknowledged write is checked against the
 * final leader (lost) and against who held the leader key when it was acknowledged (split-brain), as
 * the bench's own etcd watch saw the key. Prints a line per run and a Markdown section at the end,
 * which can also replace the {@code failover} section of a Markdown file, with a timeline PNG per
 * scenario next to it.
 */
public final class FailoverBench {

    private static final Logger log = LoggerFactory.getLogger(FailoverBench.class);

    static final MarkdownSection SECTION = new MarkdownSection("failover");
    static final String PGWARDEN = "pgwarden";
    static final String HAPROXY = "haproxy";
    static final String HAPROXY_FAST = "haproxy-fast";
    static final String DIRECT = "direct";
    /** HAProxy's fast checks: {@code inter 1s fall 2 rise 1}. */
    static final Duration FAST_CHECK_INTERVAL = Duration.ofSeconds(1);
    static final int FAST_FALL = 2;
    static final int FAST_RISE = 1;

    private static final String HOST = "127.0.0.1";
    private static final String DATABASE = "postgres";
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(20);
    /** Probe ids: a range per probe, so that every id in the table says who wrote it. */
    private static final long ID_RANGE = 1_000_000_000L;
    /** Writing before the fault, so every probe is connected and steady. */
    private static final Duration BEFORE_FAULT = Duration.ofSeconds(5);
    /** "A few seconds": after the proxied probes write again, before healing and before stopping. */
    private static final Duration STEADY = Duration.ofSeconds(3);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** How much earlier than the bench's watch the router's may see a change and still count as the same one. */
    private static final Duration LAG_WINDOW = Duration.ofSeconds(2);

    private final FailoverSettings settings;
    private final PrintStream out;
    private MachineFacts facts;

    public FailoverBench(FailoverSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs every scenario {@code runs} times on every set-up that can run it, the set-ups taking turns
     * within each run number so that a change in the machine's load hits them alike; each run on a
     * fresh cluster that is gone when it ends, also on failure.
     */
    public void run() throws IOException, InterruptedException {
        Path logs = Files.createTempDirectory("pgwarden-failover-");
        Path userList = logs.resolve("userlist.txt");
        Files.writeString(userList, UserList.entry(USER, PASSWORD));
        Files.setPosixFilePermissions(userList, PosixFilePermissions.fromString("rw-------"));
        List<String> versions = versions();
        int total = settings.totalRuns();
        out.printf("%d runs (%s on %s, %d each), ttl %d / loop_wait %d / retry_timeout %d; about %d min%n", total,
                settings.scenarios().stream().map(Scenario::cliName).collect(Collectors.joining(", ")),
                settings.setups().stream().map(StackSetup::label).collect(Collectors.joining(", ")),
                settings.runs(), settings.ttl(), settings.loopWait(), settings.retryTimeout(),
                Math.round(Math.ceil(total * (40 + 2.0 * settings.ttl()) / 60.0)));
        Map<Scenario, List<FailoverRun>> results = new LinkedHashMap<>();
        int done = 0;
        for (Scenario scenario : settings.scenarios()) {
            List<FailoverRun> runs = new ArrayList<>();
            results.put(scenario, runs);
            for (int number = 1; number <= settings.runs(); number++) {
                for (StackSetup setup : settings.setups()) {
                    done++;
                    out.printf("[%d/%d] %s on %s, run %d/%d%n", done, total, scenario.cliName(), setup.label(), number,
                            settings.runs());
                    Path runLogs = Files.createDirectories(
                            logs.resolve(scenario.cliName() + "-" + setup.fileName() + "-" + number));
                    FailoverRun run = runOnce(scenario, setup, number, userList, runLogs);
                    runs.add(run);
                    out.printf("[%d/%d] %s: %s%n", done, total, setup.label(), FailoverReport.runLine(run).substring(2));
                }
            }
        }
        if (facts == null) {
            facts = new MachineFacts("unknown", Runtime.getRuntime().availableProcessors(), "unknown", "unknown",
                    System.getProperty("os.name"), System.getProperty("java.version"), "unknown", "unknown",
                    MachineFacts.readLoadAverage());
        }
        String markdown = new FailoverReport(settings, facts, versions, MachineFacts.readLoadAverage(), results)
                .markdown();
        out.println();
        out.print(markdown);
        out.println();
        out.printf("Agent, etcd and HAProxy logs of every run: %s%n", logs);
        if (settings.output() != null) {
            Path dir = settings.output().toAbsolutePath().getParent();
            Files.createDirectories(dir);
            for (Map.Entry<Scenario, List<FailoverRun>> entry : results.entrySet()) {
                Optional<Path> plot = FailoverPlot.write(dir, entry.getKey(), entry.getValue());
                if (plot.isPresent()) {
                    out.printf("Wrote %s%n", plot.get());
                }
            }
            SECTION.replaceIn(settings.output(), "pgwarden benchmarks", markdown);
            out.printf("Replaced the %s section of %s%n", SECTION.startMarker(), settings.output());
        }
    }

    /** One run; a failure is recorded in the result (and logged), not thrown, so the other runs still happen. */
    private FailoverRun runOnce(Scenario scenario, StackSetup setup, int number, Path userList, Path logDir)
            throws InterruptedException {
        List<String> notes = new ArrayList<>();
        try (BenchResources resources = new BenchResources()) {
            return execute(scenario, setup, number, userList, logDir, resources, notes);
        } catch (RuntimeException | IOException | SQLException e) {
            log.warn("{} on {} run {} failed", scenario.cliName(), setup.label(), number, e);
            out.printf("  failed; logs in %s%n", logDir);
            return FailoverRun.failed(scenario, setup, number, notes, e.toString());
        }
    }

    private ClusterUnderTest startCluster(StackSetup setup) {
        return switch (setup.stack()) {
            case AGENTS -> AgentsUnderTest.start(settings.ttl(), settings.loopWait(), settings.retryTimeout(),
                    START_TIMEOUT);
            case PATRONI -> PatroniUnderTest.start(settings.ttl(), settings.loopWait(), settings.retryTimeout(),
                    setup.synchronous(), START_TIMEOUT);
        };
    }

    private FailoverRun execute(Scenario scenario, StackSetup setup, int number, Path userList, Path logDir,
                                BenchResources resources, List<String> notes)
            throws InterruptedException, IOException, SQLException {
        ClusterUnderTest cluster = resources.add(startCluster(setup));
        resources.add(() -> cluster.saveLogs(logDir)); // closed (so run) just before the cluster is
        String first = cluster.awaitLeader(LEADER_TIMEOUT);
        if (facts == null) {
            facts = MachineFacts.collect(HOST, cluster.pgPort(first));
        }
        createTable(cluster, first);
        Map<Integer, String> nodeByPort = cluster.nodeByPort();

        LeaderTimeline leaders = new LeaderTimeline();
        resources.add(LeaderWatch.start(cluster.etcd().clientUrl(), cluster.leaderKey(), leaders));
        RouterConfig config = routerConfig(cluster, userList);
        EtcdTopologySource routerSource = topologySource(config.dcs());
        RouterServer router = resources.add(RouterServer.start(config, routerSource)); // closes the source too
        // Called after the router's own listeners (routing view, fencing): when pgwarden acted on a change.
        LeaderTimeline routerLeaders = new LeaderTimeline();
        routerSource.addListener(topology -> {
            if (topology.dcsReachable()) {
                routerLeaders.record(System.nanoTime(), topology.leader());
            }
        });

        List<WriteProbe> proxied = new ArrayList<>();
        proxied.add(probe(PGWARDEN, router.port(ListenerRole.PRIMARY), 1));
        List<HaproxyServer.Backend> backends = cluster.haproxyBackends();
        if (!backends.isEmpty()) {
            HaproxyServer example = resources.add(HaproxyServer.start(backends, HaproxyServer.Options.defaults()));
            resources.add(() -> LogFiles.copy(example.logFile(), logDir.resolve("haproxy.log")));
            HaproxyServer fast = resources.add(HaproxyServer.start(backends, HaproxyServer.Options.defaults()
                    .withChecks(FAST_CHECK_INTERVAL, FAST_FALL, FAST_RISE)));
            resources.add(() -> LogFiles.copy(fast.logFile(), logDir.resolve("haproxy-fast.log")));
            proxied.add(probe(HAPROXY, example.port(), 2));
            proxied.add(probe(HAPROXY_FAST, fast.port(), 3));
        }
        List<WriteProbe> probes = new ArrayList<>(proxied);
        if (scenario.probesOldLeaderDirectly()) {
            probes.add(probe(DIRECT, cluster.pgPort(first), 4));
        }
        ProbeThreads threads = resources.add(new ProbeThreads(probes).start());
        awaitAcks(proxied, System.nanoTime(), recoveryTimeout(), "before the fault", notes);
        sleep(BEFORE_FAULT);

        String old = cluster.awaitLeader(LEADER_TIMEOUT);
        if (!old.equals(first) && scenario.probesOldLeaderDirectly()) {
            notes.add("the leader moved from " + first + " to " + old + " before the fault; the direct probe writes to "
                    + first);
        }
        notes.add("load average at the fault " + MachineFacts.readLoadAverage());
        long fault;
        long heal;
        switch (scenario) {
            case NODE_CRASH -> {
                fault = System.nanoTime();
                cluster.crashNode(old);
                out.printf("  killed %s (agent and postmaster)%n", old);
                awaitNewLeader(cluster, old, fault);
                awaitAcks(proxied, System.nanoTime(), recoveryTimeout(), "after the failover", notes);
                sleep(STEADY);
                heal = System.nanoTime();
                cluster.startNode(old);
                out.printf("  started %s again at %s%n", old, FailoverReport.seconds(heal - fault));
            }
            case POSTGRES_CRASH -> {
                fault = System.nanoTime();
                cluster.crashPostgres(old);
                out.printf("  killed the postmaster of %s; its agent keeps running%n", old);
                awaitAcks(proxied, fault, recoveryTimeout(), "after the crash", notes);
                out.printf("  every proxied probe wrote again at %s%n", FailoverReport.seconds(System.nanoTime() - fault));
                sleep(STEADY);
                heal = System.nanoTime();
            }
            case FREEZE -> {
                fault = System.nanoTime();
                long pid = cluster.freezeAgent(old);
                out.printf("  froze the agent of %s (pid %d) for %d s; its PostgreSQL keeps running%n", old, pid,
                        settings.freezeDuration().toSeconds());
                try {
                    awaitNewLeaderWithin(cluster, old, fault, settings.freezeDuration(), notes);
                    sleep(Duration.ofNanos(Math.max(0, fault + settings.freezeDuration().toNanos() - System.nanoTime())));
                } finally {
                    heal = System.nanoTime();
                    cluster.thawAgent(old);
                }
                out.printf("  resumed the agent of %s at %s%n", old, FailoverReport.seconds(heal - fault));
            }
            case SWITCHOVER -> {
                fault = System.nanoTime();
                String next = cluster.switchover();
                out.printf("  switched over from %s to %s in %d ms%n", old, next, millisSince(fault));
                awaitAcks(proxied, System.nanoTime(), recoveryTimeout(), "after the switchover", notes);
                sleep(STEADY);
                heal = System.nanoTime();
            }
            case ETCD_PAUSE -> {
                EtcdServer etcd = cluster.etcd();
                fault = System.nanoTime();
                etcd.pause();
                out.printf("  paused etcd for %d s%n", settings.ttl());
                try {
                    sleep(Duration.ofSeconds(settings.ttl()));
                } finally {
                    heal = System.nanoTime();
                    etcd.resume();
                }
                out.printf("  resumed etcd at %s%n", FailoverReport.seconds(heal - fault));
            }
            default -> throw new IllegalStateException("unknown scenario " + scenario);
        }

        settle(cluster, notes);
        out.printf("  settled at %s: leader %s%n", FailoverReport.seconds(System.nanoTime() - fault),
                leaders.describe());
        awaitAcks(proxied, System.nanoTime(), recoveryTimeout(), "after the heal", notes);
        sleep(STEADY);
        long end = System.nanoTime();
        threads.stop();

        String last = cluster.awaitLeader(LEADER_TIMEOUT);
        Set<Long> present = readIds(cluster, last);
        List<ProbeRun> results = new ArrayList<>();
        for (WriteProbe probe : probes) {
            List<Attempt> attempts = probe.attempts();
            ProbeResult result = ProbeResult.analyze(probe.name(), attempts, nodeByPort, leaders, present, fault, end);
            Histogram latency = probe.latencyMicros();
            results.add(new ProbeRun(result, attempts, latency.getValueAtPercentile(99.0), latency.getMaxValue()));
            explainFailures(probe.name(), attempts, notes);
            explainLosses(probe.name(), attempts, nodeByPort, present, fault, notes);
            explainSplitBrain(probe.name(), attempts, nodeByPort, leaders, fault, notes);
        }
        notes.add(0, "final leader " + last + ", " + present.size() + " rows there");
        List<Long> lags = LeaderTimeline.lagMillis(leaders.changes(), routerLeaders.changes(), LAG_WINDOW.toNanos());
        if (!lags.isEmpty()) {
            notes.add("pgwarden's router had applied each leader change (routing view and fencing) "
                    + lags.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + " ms after the bench's own etcd watch saw it (negative: before)");
        }
        return new FailoverRun(scenario, setup, number, results, nodeByPort, leaders.changes(), fault, heal, end,
                notes, Optional.empty());
    }

    private RouterConfig routerConfig(ClusterUnderTest cluster, Path userList) {
        return new RouterConfig(
                new RouterConfig.Listen(HOST, FreePorts.next(), FreePorts.next()),
                new RouterConfig.Topology(cluster.scope(), List.of()),
                new RouterConfig.Auth(userList, null),
                new RouterConfig.Pool("transaction", 0, 10, null, null, Duration.ofSeconds(30), null),
                null,
                new RouterConfig.Routing(null, null, null, settings.connectWaitTimeout()),
                null,
                new RouterConfig.Dcs(List.of(cluster.etcd().clientUrl()), cluster.namespace(),
                        cluster.scope(), FailoverSettings.DCS_CHECK_INTERVAL, settings.isolationTimeout(),
                        Duration.ofSeconds(settings.ttl())));
    }

    /** The etcd source {@link RouterServer#start(RouterConfig)} would build from {@code dcs}. */
    private static EtcdTopologySource topologySource(RouterConfig.Dcs dcs) {
        return new EtcdTopologySource(new EtcdSourceSettings(dcs.access("the bench's router config"),
                dcs.namespace(), dcs.scope(), dcs.checkInterval(), dcs.isolationTimeout()));
    }

    private static WriteProbe probe(String name, int port, int idRange) {
        return new WriteProbe(name, "jdbc:postgresql://" + HOST + ":" + port + "/" + DATABASE, USER, PASSWORD,
                PROBE_INTERVAL, idRange * ID_RANGE);
    }

    private static void createTable(ClusterUnderTest cluster, String leader) throws SQLException {
        try (Connection connection = cluster.connect(leader); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE failover_probe (id bigint PRIMARY KEY, probe text,"
                    + " at timestamptz DEFAULT now())");
        }
    }

    private static Set<Long> readIds(ClusterUnderTest cluster, String leader) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection connection = cluster.connect(leader); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT id FROM failover_probe")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private void awaitNewLeader(ClusterUnderTest cluster, String old, long fault) {
        String next = cluster.awaitNewLeader(old, Duration.ofSeconds(3L * settings.ttl() + 30));
        out.printf("  %s leads at %s%n", next, FailoverReport.seconds(System.nanoTime() - fault));
    }

    /** As {@link #awaitNewLeader}, counting {@code within} from the fault; a note, not a failure, if none leads by then. */
    private void awaitNewLeaderWithin(ClusterUnderTest cluster, String old, long fault, Duration within,
                                      List<String> notes) {
        Duration left = Duration.ofNanos(Math.max(0, fault + within.toNanos() - System.nanoTime()));
        try {
            String next = cluster.awaitNewLeader(old, left);
            out.printf("  %s leads at %s%n", next, FailoverReport.seconds(System.nanoTime() - fault));
        } catch (IllegalStateException e) {
            String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            notes.add("no member other than " + old + " led within " + within.toSeconds() + " s of the fault: " + first);
            out.printf("  no new leader within %d s: %s%n", within.toSeconds(), first);
        }
    }

    /** Waits until the cluster has a leader and every replica streams from it; a note, not a failure, if not. */
    private void settle(ClusterUnderTest cluster, List<String> notes) {
        try {
            cluster.awaitHealthy(SETTLE_TIMEOUT);
        } catch (IllegalStateException e) {
            String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            notes.add("the cluster did not settle: " + first);
            out.printf("  the cluster did not settle: %s%n", first);
        }
    }

    /** Waits until every probe has had a write acknowledged after {@code sinceNanos}; a note for any that has not. */
    private void awaitAcks(List<WriteProbe> probes, long sinceNanos, Duration timeout, String when, List<String> notes)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Predicate<WriteProbe> acked = p -> ProbeThreads.lastAck(p).map(at -> at - sinceNanos > 0).orElse(false);
        while (!probes.stream().allMatch(acked) && System.nanoTime() - deadline < 0) {
            sleep(POLL);
        }
        for (WriteProbe probe : probes) {
            if (!acked.test(probe)) {
                String note = probe.name() + " had no write acknowledged within " + timeout.toSeconds() + " s " + when;
                notes.add(note);
                out.printf("  %s%n", note);
            }
        }
    }

    private Duration recoveryTimeout() {
        return Duration.ofSeconds(Math.max(30, 3L * settings.ttl()));
    }

    /** A note with a probe's most frequent errors, e.g. {@code 57014 ERROR: canceling statement ... (3)}. */
    private static void explainFailures(String probe, List<Attempt> attempts, List<String> notes) {
        Map<String, Long> byError = attempts.stream().filter(a -> !a.acknowledged())
                .collect(Collectors.groupingBy(a -> errorKind(a.error()), LinkedHashMap::new, Collectors.counting()));
        if (!byError.isEmpty()) {
            notes.add(probe + " errors: " + byError.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                    .map(e -> e.getValue() + " × " + e.getKey()).collect(Collectors.joining("; ")));
        }
    }

    /** An error without what differs between occurrences (pids, ports, ids) after its SQLSTATE, clipped. */
    static String errorKind(String error) {
        String line = String.valueOf(error).lines().findFirst().orElse("").strip();
        String state = line.matches("[0-9A-Z]{5} .*") ? line.substring(0, 6) : "";
        String kind = state + line.substring(state.length()).replaceAll("\\d{4,}", "N");
        return kind.length() > 120 ? kind.substring(0, 120) + "..." : kind;
    }

    /** A note saying which member acknowledged a probe's lost writes, and when. */
    private static void explainLosses(String probe, List<Attempt> attempts, Map<Integer, String> nodeByPort,
                                      Set<Long> present, long fault, List<String> notes) {
        List<Attempt> lost = attempts.stream().filter(a -> a.acknowledged() && !present.contains(a.id())).toList();
        if (!lost.isEmpty()) {
            notes.add(probe + ": the " + lost.size() + " lost writes were acknowledged by " + byNode(lost, nodeByPort, fault));
        }
    }

    private static void explainSplitBrain(String probe, List<Attempt> attempts, Map<Integer, String> nodeByPort,
                                          LeaderTimeline leaders, long fault, List<String> notes) {
        List<Attempt> split = attempts.stream().filter(Attempt::acknowledged)
                .filter(a -> !leaders.heldDuring(nodeByPort.getOrDefault(a.serverPort(), "?"), a.sentNanos(), a.doneNanos()))
                .toList();
        if (!split.isEmpty()) {
            notes.add(probe + ": the " + split.size() + " split-brain writes were acknowledged by "
                    + byNode(split, nodeByPort, fault));
        }
    }

    /** {@code pg1 (35, +10.3 s .. +11.0 s)}: per member, how many and over what time. */
    private static String byNode(List<Attempt> attempts, Map<Integer, String> nodeByPort, long fault) {
        Map<String, List<Attempt>> byNode = attempts.stream().collect(Collectors.groupingBy(
                a -> nodeByPort.getOrDefault(a.serverPort(), "port " + a.serverPort()), LinkedHashMap::new,
                Collectors.toList()));
        return byNode.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue().size() + ", "
                        + FailoverReport.seconds(e.getValue().get(0).doneNanos() - fault) + " .. "
                        + FailoverReport.seconds(e.getValue().get(e.getValue().size() - 1).doneNanos() - fault) + ")")
                .collect(Collectors.joining(", "));
    }

    /**
     * pgwarden's commit when run from a checkout ({@code pgwarden 1a2b3c4}, {@code + local changes} if
     * tracked files differ from it), then Patroni and HAProxy (when Patroni runs) and etcd as their
     * binaries name themselves, e.g. {@code Patroni 3.0.2}.
     */
    private List<String> versions() {
        List<String> versions = new ArrayList<>();
        Optional<String> commit = output("git", "rev-parse", "--short", "HEAD");
        if (commit.isPresent()) {
            boolean changed = output("git", "status", "--porcelain", "--untracked-files=no").map(s -> !s.isBlank())
                    .orElse(true);
            versions.add("pgwarden commit " + commit.get().strip() + (changed ? " + local changes" : ""));
        }
        boolean patroni = settings.stacks().contains(Stack.PATRONI);
        if (patroni) {
            versions.add("Patroni " + firstLine(PatroniCluster.DEFAULT_PATRONI.toString(), "--version")
                    .replaceFirst("^patroni\\s+", ""));
        }
        versions.add("etcd " + firstLine(EtcdServer.DEFAULT_BINARY.toString(), "--version")
                .replaceFirst("^etcd Version:\\s*", ""));
        if (patroni) {
            versions.add("HAProxy " + firstLine(HaproxyServer.DEFAULT_BINARY.toString(), "-v")
                    .replaceFirst("^HAProxy version\\s+(\\S+).*", "$1"));
        }
        return versions;
    }

    private static String firstLine(String... command) {
        return output(command).flatMap(out -> out.lines().findFirst()).map(String::strip).orElse("unknown");
    }

    /** What {@code command} printed, if it ran and succeeded. */
    private static Optional<String> output(String... command) {
        try {
            CommandResult result = Commands.run(COMMAND_TIMEOUT, command);
            return result.succeeded() ? Optional.of(result.stdout()) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }
}
