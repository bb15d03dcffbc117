package io.pgwarden.launcher;

import io.pgwarden.bench.failover.FailoverBench;
import io.pgwarden.bench.failover.FailoverSettings;
import io.pgwarden.bench.failover.Scenario;
import io.pgwarden.bench.failover.Stack;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.bench.throughput.QueryMode;
import io.pgwarden.bench.throughput.ThroughputBench;
import io.pgwarden.bench.throughput.ThroughputSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code pgwarden bench ...}: benchmarks that compare pgwarden with direct PostgreSQL, PgBouncer and HAProxy. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run benchmarks.",
        subcommands = {BenchCommand.Throughput.class, BenchCommand.Failover.class})
final class BenchCommand {

    /** The command as typed, {@code bin/pgwarden bench ...}, quoted for a shell where needed. */
    static String commandLine(CommandSpec spec) {
        return "bin/pgwarden " + spec.commandLine().getParseResult().originalArgs().stream()
                .map(arg -> arg.matches("[\\w./=,:@%+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "pgbench directly against PostgreSQL, through pgwarden and through PgBouncer, interleaved, in one run.")
    static final class Throughput implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--clients", split = ",", defaultValue = "16", description = "pgbench client counts (default ${DEFAULT-VALUE})")
        int[] clients;

        @Option(names = "--duration", defaultValue = "10", description = "seconds per pgbench run (default ${DEFAULT-VALUE})")
        int durationSeconds;

        @Option(names = "--pool-size", defaultValue = "16",
                description = "pool size of pgwarden and PgBouncer; session mode raises it to the largest client count (default ${DEFAULT-VALUE})")
        int poolSize;

        @Option(names = "--pool-modes", split = ",", defaultValue = "session,transaction",
                description = "pool modes pgwarden and PgBouncer run in, each as its own target (default ${DEFAULT-VALUE})")
        String[] poolModes;

        @Option(names = "--modes", split = ",", defaultValue = "simple,extended",
                description = "pgbench -M query modes: simple, extended, prepared (not run against PgBouncer) (default ${DEFAULT-VALUE})")
        String[] queryModes;

        @Option(names = "--rounds", defaultValue = "2", description = "interleaved rounds per case; connection storms run at least 3 rounds of 8 s (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--scale", defaultValue = "10", description = "pgbench -i scale factor (default ${DEFAULT-VALUE})")
        int scale;

        @Option(names = "--output", description = "markdown file whose throughput section is replaced, e.g. docs/benchmarks.md")
        Path output;

        @Option(names = "--transport", defaultValue = "auto",
                description = "pgwarden's listen.transport: auto, io_uring, epoll, nio (default ${DEFAULT-VALUE})")
        String transport;

        @Override
        public Integer call() throws Exception {
            String commandLine = commandLine(spec);
            ThroughputSettings settings = new ThroughputSettings(Arrays.stream(clients).boxed().toList(),
                    durationSeconds, poolSize, rounds, scale,
                    Arrays.stream(poolModes).map(PoolMode::parse).toList(),
                    Arrays.stream(queryModes).map(QueryMode::parse).toList(), output, commandLine, transport);
            new ThroughputBench(settings, System.out).run();
            return 0;
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = "Write probes through the pgwarden router (on pgwarden's agents and on Patroni) and through"
                    + " HAProxy (on Patroni) while the leader's node or PostgreSQL crashes, its agent freezes, it"
                    + " switches over or etcd stops: outage, failed, lost and split-brain writes.")
    static final class Failover implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--scenario", split = ",", defaultValue = "node-crash,postgres-crash,freeze,switchover,etcd-pause",
                description = "node-crash, postgres-crash, freeze, switchover (Patroni only), etcd-pause; repeatable or a"
                        + " comma list (default ${DEFAULT-VALUE})")
        String[] scenarios;

        @Option(names = "--stacks", split = ",", defaultValue = "agents,patroni",
                description = "agents (pgwarden's agents, synchronous_mode on), patroni; each scenario runs on each"
                        + " (default ${DEFAULT-VALUE})")
        String[] stacks;

        @Option(names = "--patroni-synchronous-mode", split = ",", defaultValue = "off,on",
                description = "Patroni's synchronous_mode: off, on, or both as separate set-ups (default ${DEFAULT-VALUE})")
        String[] patroniSynchronousModes;

        @Option(names = "--runs", defaultValue = "3", description = "runs per scenario, each on a fresh cluster (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--ttl", defaultValue = "10", description = "ttl of Patroni and the agents, seconds (default ${DEFAULT-VALUE})")
        int ttl;

        @Option(names = "--loop-wait", defaultValue = "2", description = "loop_wait, seconds (default ${DEFAULT-VALUE})")
        int loopWait;

        @Option(names = "--retry-timeout", defaultValue = "3", description = "retry_timeout, seconds (default ${DEFAULT-VALUE})")
        int retryTimeout;

        @Option(names = "--output", description = "markdown file whose failover section is replaced, e.g. docs/benchmarks.md")
        Path output;

        @Override
        public Integer call() throws Exception {
            FailoverSettings settings = new FailoverSettings(Arrays.stream(scenarios).map(Scenario::parse).toList(),
                    Arrays.stream(stacks).map(Stack::parse).toList(),
                    Arrays.stream(patroniSynchronousModes).map(Failover::synchronousMode).toList(),
                    runs, ttl, loopWait, retryTimeout, output, commandLine(spec));
            new FailoverBench(settings, System.out).run();
            return 0;
        }

        /** {@code off} or {@code on}, any case, as Patroni spells synchronous_mode. */
        static boolean synchronousMode(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "off" -> false;
                case "on" -> true;
                default -> throw new IllegalArgumentException("--patroni-synchronous-mode takes off or on, not '"
                        + value + "'");
            };
        }
    }
}
