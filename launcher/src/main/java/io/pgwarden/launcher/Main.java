package io.pgwarden.launcher;

import io.pgwarden.ctl.CtlCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pgwarden} command: one executable, a subcommand per process. */
@Command(name = "pgwarden", mixinStandardHelpOptions = true, version = "pgwarden 0.1.0",
        description = "PostgreSQL connection router and pooler, and its HA agent.",
        subcommands = {RouterCommand.class, AgentCommand.class, CtlCommand.class, DemoCommand.class, BenchCommand.class})
public final class Main {

    public static void main(String[] args) {
        // Leak tracking wraps sampled buffers on the hot path; tests turn it up, production off.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("pgwarden: " + e.getMessage());
            return 1;
        });
        System.exit(commandLine.execute(args));
    }
}
