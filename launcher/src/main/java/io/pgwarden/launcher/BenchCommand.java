package io.pgwarden.launcher;

import io.pgwarden.bench.throughput.ThroughputBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pgwarden bench ...}: benchmarks that compare pgwarden with direct PostgreSQL. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run benchmarks.",
        subcommands = {BenchCommand.Throughput.class})
final class BenchCommand {

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "pgbench through pgwarden and directly against PostgreSQL, interleaved, in one run.")
    static final class Throughput implements Callable<Integer> {

        @Option(names = "--clients", split = ",", defaultValue = "16", description = "pgbench client counts (default ${DEFAULT-VALUE})")
        int[] clients;

        @Option(names = "--duration", defaultValue = "10", description = "seconds per pgbench run (default ${DEFAULT-VALUE})")
        int durationSeconds;

        @Option(names = "--pool-size", defaultValue = "16", description = "router pool size (default ${DEFAULT-VALUE})")
        int poolSize;

        @Option(names = "--rounds", defaultValue = "2", description = "interleaved rounds per case (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--output", description = "markdown file to append the results to, e.g. docs/benchmarks.md")
        Path output;

        @Override
        public Integer call() throws Exception {
            new ThroughputBench(clients, durationSeconds, poolSize, rounds, output).run();
            return 0;
        }
    }
}
