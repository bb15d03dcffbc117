package io.pgwarden.bench.throughput;

import io.pgwarden.bench.BenchResources;
import io.pgwarden.bench.report.MarkdownSection;
import io.pgwarden.local.ClientTools;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.pool.auth.UserList;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pgwarden bench throughput}: pgbench against PostgreSQL directly, through pgwarden and through
 * PgBouncer (each pooler once per pool mode), on one throw-away primary, every case run against every
 * target in interleaved rounds so that whatever else the machine does hits all targets alike. Prints a
 * line per run and a Markdown table at the end, which can also replace the {@code throughput} section of
 * a Markdown file, with a PNG plot per client count next to it.
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

            int maxConnections = Math.max(300, settings.serverConnections() + 20);
            out.printf("Starting PostgreSQL (max_connections %d) and loading pgbench scale %d ...%n",
                    maxConnections, settings.scale());
            PostgresCluster cluster = resources.add(
                    PostgresCluster.start(PostgresCluster.Options.defaults().withMaxConnections(maxConnections)));
            ClientTools.pgbench(INIT_TIMEOUT, cluster.primary().host(), cluster.primary().port(), PgbenchRunner.USER,
                            PgbenchRunner.PASSWORD, PgbenchRunner.DATABASE,
                            "-i", "-q", "-s", String.valueOf(settings.scale()))
                    .requireSuccess("pgbench -i -s " + settings.scale());

            List<String> notes = new ArrayList<>();
            List<Target> targets = startTargets(cluster.primary(), scratch, resources, notes);
            MachineFacts facts = MachineFacts.collect(cluster.primary());
            PgbenchRunner runner = new PgbenchRunner(scratch);
            warmUp(targets, runner);
            Map<Case, Map<String, CaseStats>> results = runAll(targets, runner, resources);

            String markdown = new ThroughputReport(settings, facts, targets, notes, results).markdown();
            out.println();
            out.print(markdown);
            if (settings.output() != null) {
                Path dir = settings.output().toAbsolutePath().getParent();
                Files.createDirectories(dir);
                out.println();
                for (Path plot : ThroughputPlot.write(dir, settings.clients(),
                        targets.stream().map(Target::name).toList(), results)) {
                    out.printf("Wrote %s%n", plot);
                }
                SECTION.replaceIn(settings.output(), "pgwarden benchmarks", markdown);
                out.printf("Replaced the %s section of %s%n", SECTION.startMarker(), settings.output());
            }
        }
    }

    /** direct, then per pool mode pgwarden and PgBouncer (unless it is not installed) with the same pool. */
    private List<Target> startTargets(PostgresNode primary, Path scratch, BenchResources resources, List<String> notes)
            throws IOException, InterruptedException {
        // Both poolers get the same kind of entry: PostgreSQL's own SCRAM verifier, never the plain
        // password. Neither derives keys at a login then (PgBouncer would run PBKDF2 at every one from a
        // plain password), and both log in to PostgreSQL with the client's proof.
        String secret = scramVerifier(primary, PgbenchRunner.USER);
        notes.add(USER_LIST_NOTE);
        Path userList = scratch.resolve("userlist.txt");
        Files.writeString(userList, UserList.entry(PgbenchRunner.USER, secret));
        Files.setPosixFilePermissions(userList, PosixFilePermissions.fromString("rw-------"));
        // PgBouncer runs as the OS user postgres when this JVM is root and needs to reach its directory in here.
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx--x--x"));

        Optional<String> noPgBouncer = PgBouncerTarget.unavailable();
        noPgBouncer.ifPresent(why -> {
            out.println("Skipping PgBouncer: " + why);
            notes.add("PgBouncer skipped: " + why);
        });
        List<Target> targets = new ArrayList<>();
        targets.add(resources.add(new DirectTarget(primary)));
        for (PoolMode mode : settings.poolModes()) {
            int poolSize = settings.poolSize(mode);
            out.printf("Starting pgwarden%s in %s mode, pool size %d ...%n", noPgBouncer.isEmpty() ? " and PgBouncer" : "",
                    mode.configName(), poolSize);
            targets.add(resources.add(PgwardenTarget.start(primary, userList, mode, poolSize, settings.transport())));
            if (noPgBouncer.isEmpty()) {
                targets.add(resources.add(PgBouncerTarget.start(primary, mode, poolSize,
                        Math.max(1000, 2 * settings.maxClients()), scratch.resolve("pgbouncer-" + mode.shortName()),
                        secret)));
            }
        }
        if (settings.sessionPoolRaised()) {
            out.printf("Note: in session mode the pool size is %d, not --pool-size %d: every client holds a server "
                            + "connection for its whole session, so the pool needs one per client.%n",
                    settings.poolSize(PoolMode.SESSION), settings.poolSize());
        }
        return targets;
    }

    static final String USER_LIST_NOTE = "userlists: pgwarden and PgBouncer both hold the user's SCRAM-SHA-256"
            + " verifier as PostgreSQL stores it (pg_authid.rolpassword), no plain password: neither derives keys"
            + " at a login, both pass the client's SCRAM proof on to PostgreSQL";

    /** The SCRAM verifier PostgreSQL stores for {@code user}. */
    static String scramVerifier(PostgresNode primary, String user) {
        try (java.sql.Connection c = primary.connect(PgbenchRunner.DATABASE);
             java.sql.PreparedStatement st = c.prepareStatement("select rolpassword from pg_authid where rolname = ?")) {
            st.setString(1, user);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                String secret = rs.next() ? rs.getString(1) : null;
                if (secret == null || !secret.startsWith("SCRAM-SHA-256$")) {
                    throw new IllegalStateException("user " + user + " has no SCRAM-SHA-256 verifier in pg_authid");
                }
                return secret;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not read the SCRAM verifier of " + user + ": " + e.getMessage(), e);
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
            for (QueryMode mode : settings.queryModes()) {
                if (!target.supports(mode)) {
                    continue;
                }
                RunResult run = runner.run(target, Workload.SELECT_ONLY, mode, settings.maxClients(), seconds);
                out.printf(Locale.ROOT, "  warm-up %-17s %-8s c=%-4d %8s tps%n", target.name(), mode.pgbenchName(),
                        settings.maxClients(), ThroughputReport.tps(run.summary().tps()));
            }
        }
    }

    static int warmUpSeconds(int durationSeconds) {
        return Math.min(5, durationSeconds);
    }

    private Map<Case, Map<String, CaseStats>> runAll(List<Target> targets, PgbenchRunner runner, BenchResources resources) {
        List<Case> cases = cases(settings.clients(), settings.queryModes());
        int total = cases.stream().mapToInt(c -> settings.rounds(c.workload()) * targetsFor(c, targets).size()).sum();
        double seconds = cases.stream().mapToDouble(c -> settings.rounds(c.workload()) * targetsFor(c, targets).size()
                * (settings.durationSeconds(c.workload()) + 1.5)).sum();
        out.printf("%d pgbench runs of %d s (connection storms: %d rounds of %d s at least): about %d min%n", total,
                settings.durationSeconds(), Workload.CONNECT_STORM.minRounds(), Workload.CONNECT_STORM.minSeconds(),
                Math.round(Math.ceil(seconds / 60.0)));
        Map<Case, Map<String, CaseStats>> results = new LinkedHashMap<>();
        int done = 0;
        for (Case c : cases) {
            List<Target> caseTargets = targetsFor(c, targets);
            Map<String, CaseStats> byTarget = new LinkedHashMap<>();
            caseTargets.forEach(t -> byTarget.put(t.name(), new CaseStats()));
            results.put(c, byTarget);
            for (int round = 0; round < settings.rounds(c.workload()); round++) {
                for (Target target : orderForRound(caseTargets, round)) {
                    if (resources.isClosed()) {
                        throw new IllegalStateException("benchmark stopped");
                    }
                    RunResult run = runner.run(target, c.workload(), c.mode(), c.clients(),
                            settings.durationSeconds(c.workload()));
                    byTarget.get(target.name()).add(run);
                    done++;
                    out.println(progressLine(done, total, c, target.name(), round, run));
                }
            }
        }
        return results;
    }

    /** Every client count, then every workload, then every query mode. */
    static List<Case> cases(List<Integer> clients, List<QueryMode> modes) {
        List<Case> cases = new ArrayList<>();
        for (int c : clients) {
            for (Workload workload : Workload.values()) {
                for (QueryMode mode : modes) {
                    cases.add(new Case(workload, mode, c));
                }
            }
        }
        return cases;
    }

    /** The targets that run {@code c}, in the order of {@code targets}. */
    static List<Target> targetsFor(Case c, List<Target> targets) {
        return targets.stream().filter(t -> t.supports(c.mode())).toList();
    }

    /**
     * The targets' order in {@code round}: even rounds rotate the list by {@code round / 2}, odd rounds
     * run the previous round's order backwards. Neighbours in the list (pgwarden and PgBouncer of one
     * pool mode) so swap places every round — neither always runs right after the other, on a machine
     * the other has just warmed or tired — and each target leads in turn.
     */
    static <T> List<T> orderForRound(List<T> targets, int round) {
        List<T> ordered = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            ordered.add(targets.get((i + round / 2) % targets.size()));
        }
        if (round % 2 == 1) {
            java.util.Collections.reverse(ordered);
        }
        return ordered;
    }

    private String progressLine(int done, int total, Case c, String target, int round, RunResult run) {
        String line = String.format(Locale.ROOT,
                "[%" + width(total) + "d/%d] %-34s %-8s c=%-4d %-17s round %d/%d: %8s tps  avg %s ms  p99 %s ms  failed %d",
                done, total, c.workload().label(), c.mode().pgbenchName(), c.clients(), target, round + 1,
                settings.rounds(c.workload()), ThroughputReport.tps(run.summary().tps()),
                ThroughputReport.ms(run.summary().latencyAvgMs()), ThroughputReport.ms(run.p99Ms()),
                run.summary().failed());
        return run.problem() == null ? line : line + "  ABORTED CLIENTS (" + run.problem() + ")";
    }

    private static int width(int total) {
        return String.valueOf(total).length();
    }
}
