package io.pgwarden.bench.throughput;

import io.pgwarden.bench.BenchResources;
import io.pgwarden.bench.report.MarkdownSection;
import io.pgwarden.testkit.ClientTools;
import io.pgwarden.testkit.PostgresCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code pgwarden bench throughput}: pgbench against PostgreSQL directly and through pgwarden, on one
 * throw-away primary, every case run against every target in interleaved rounds so that whatever
 * else the machine does hits all targets alike. Prints a line per run and a Markdown table at the end,
 * which can also replace the {@code throughput} section of a Markdown file.
 */
public final class ThroughputBench {

    static final MarkdownSection SECTION = new MarkdownSection("throughput");

    private static final Duration INIT_TIMEOUT = Duration.ofMinutes(30);

    private final ThroughputSettings settings;
    private final PrintStream out;

    public ThroughputBench(ThroughputSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs everything and stops everything it started, also on failure. */
    public void run() throws IOException, InterruptedException {
        try (BenchResources resources = new BenchResources()) {
            Path scratch = Files.createTempDirectory("pgwarden-bench-");
            resources.add(() -> PgbenchRunner.deleteTree(scratch));

            int maxConnections = Math.max(300, settings.maxClients() + settings.sessionPoolSize() + 20);
            out.printf("Starting PostgreSQL (max_connections %d) and loading pgbench scale %d ...%n",
                    maxConnections, settings.scale());
            PostgresCluster cluster = resources.add(
                    PostgresCluster.start(PostgresCluster.Options.defaults().withMaxConnections(maxConnections)));
            ClientTools.pgbench(INIT_TIMEOUT, cluster.primary().host(), cluster.primary().port(), PgbenchRunner.USER,
                            PgbenchRunner.PASSWORD, PgbenchRunner.DATABASE,
                            "-i", "-q", "-s", String.valueOf(settings.scale()))
                    .requireSuccess("pgbench -i -s " + settings.scale());

            Path userList = scratch.resolve("userlist.txt");
            Files.writeString(userList, "\"" + PgbenchRunner.USER + "\" \"" + PgbenchRunner.PASSWORD + "\"\n");
            List<Target> targets = new ArrayList<>();
            targets.add(resources.add(new DirectTarget(cluster.primary())));
            targets.add(resources.add(PgwardenTarget.start(cluster.primary(), userList, settings.sessionPoolSize())));
            // A later target (PgBouncer, pgwarden in transaction mode) is started and added here.

            if (settings.sessionPoolSize() != settings.poolSize()) {
                out.printf("Note: pgwarden's pool max_size is %d, not --pool-size %d: in session mode every client "
                                + "holds a server connection for its whole session, so the pool needs one per client.%n",
                        settings.sessionPoolSize(), settings.poolSize());
            }
            MachineFacts facts = MachineFacts.collect(cluster.primary());
            PgbenchRunner runner = new PgbenchRunner(scratch);
            warmUp(targets, runner);
            Map<Case, Map<String, CaseStats>> results = runAll(targets, runner, resources);

            String markdown = new ThroughputReport(settings, facts, targets.stream().map(t -> t.name() + ": "
                    + t.description()).toList(), results).markdown();
            out.println();
            out.print(markdown);
            if (settings.output() != null) {
                SECTION.replaceIn(settings.output(), "pgwarden benchmarks", markdown);
                out.printf("%nReplaced the %s section of %s%n", SECTION.startMarker(), settings.output());
            }
        }
    }

    /**
     * An unrecorded select-only run per target and query mode, so that the first measured runs do not
     * pay for the router's JIT compilation, cold caches and the first server connections.
     */
    private void warmUp(List<Target> targets, PgbenchRunner runner) {
        int seconds = warmUpSeconds(settings.durationSeconds());
        out.printf("Warming up: %d s of select-only per target and query mode, not recorded%n", seconds);
        for (Target target : targets) {
            for (QueryMode mode : QueryMode.values()) {
                RunResult run = runner.run(target, Workload.SELECT_ONLY, mode, settings.maxClients(), seconds);
                out.printf(Locale.ROOT, "  warm-up %-9s %-8s c=%-4d %8s tps%n", target.name(), mode.pgbenchName(),
                        settings.maxClients(), ThroughputReport.tps(run.summary().tps()));
            }
        }
    }

    static int warmUpSeconds(int durationSeconds) {
        return Math.min(5, durationSeconds);
    }

    private Map<Case, Map<String, CaseStats>> runAll(List<Target> targets, PgbenchRunner runner, BenchResources resources) {
        List<Case> cases = cases(settings.clients());
        int total = cases.size() * settings.rounds() * targets.size();
        out.printf("%d pgbench runs of %d s: about %d min%n", total, settings.durationSeconds(),
                Math.round(Math.ceil(total * (settings.durationSeconds() + 1.5) / 60.0)));
        Map<Case, Map<String, CaseStats>> results = new LinkedHashMap<>();
        int done = 0;
        for (Case c : cases) {
            Map<String, CaseStats> byTarget = new LinkedHashMap<>();
            targets.forEach(t -> byTarget.put(t.name(), new CaseStats()));
            results.put(c, byTarget);
            for (int round = 0; round < settings.rounds(); round++) {
                for (Target target : orderForRound(targets, round)) {
                    if (resources.isClosed()) {
                        throw new IllegalStateException("benchmark stopped");
                    }
                    RunResult run = runner.run(target, c.workload(), c.mode(), c.clients(), settings.durationSeconds());
                    byTarget.get(target.name()).add(run);
                    done++;
                    out.println(progressLine(done, total, c, target.name(), round, run));
                }
            }
        }
        return results;
    }

    /** Every client count, then every workload, then every query mode. */
    static List<Case> cases(List<Integer> clients) {
        List<Case> cases = new ArrayList<>();
        for (int c : clients) {
            for (Workload workload : Workload.values()) {
                for (QueryMode mode : QueryMode.values()) {
                    cases.add(new Case(workload, mode, c));
                }
            }
        }
        return cases;
    }

    /** The targets rotated by {@code round}: with two targets the order alternates, with more each leads in turn. */
    static <T> List<T> orderForRound(List<T> targets, int round) {
        List<T> ordered = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            ordered.add(targets.get((i + round) % targets.size()));
        }
        return ordered;
    }

    private String progressLine(int done, int total, Case c, String target, int round, RunResult run) {
        String line = String.format(Locale.ROOT,
                "[%" + width(total) + "d/%d] %-34s %-8s c=%-4d %-9s round %d/%d: %8s tps  avg %s ms  p99 %s ms  failed %d",
                done, total, c.workload().label(), c.mode().pgbenchName(), c.clients(), target, round + 1,
                settings.rounds(), ThroughputReport.tps(run.summary().tps()),
                ThroughputReport.ms(run.summary().latencyAvgMs()), ThroughputReport.ms(run.p99Ms()),
                run.summary().failed());
        return run.problem() == null ? line : line + "  ABORTED CLIENTS (" + run.problem() + ")";
    }

    private static int width(int total) {
        return String.valueOf(total).length();
    }
}
