package io.pgwarden.agent.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent of a {@link LocalCluster} as an OS process, with the faults a test or the demo makes:
 * crash (SIGKILL of agent and postmaster), freeze (SIGSTOP/SIGCONT), clean stop (SIGTERM).
 */
public final class AgentProcess {

    private static final Logger LOG = LoggerFactory.getLogger(AgentProcess.class);
    /** Set in the agent's environment: it stops itself when this pid is gone. */
    public static final String PARENT_ENV = "PGWARDEN_EXIT_WITH_PID";

    private final String name;
    private final NodePlacement placement;
    private final Path config;
    private final Path log;
    private final int pgPort;
    private final int restPort;
    private final Path dataDir;
    private Process process;

    AgentProcess(String name, NodePlacement placement, Path config, Path log, int pgPort, int restPort, Path dataDir) {
        this.name = name;
        this.placement = placement;
        this.config = config;
        this.log = log;
        this.pgPort = pgPort;
        this.restPort = restPort;
        this.dataDir = dataDir;
    }

    public String name() {
        return name;
    }

    /** The address its PostgreSQL and REST API listen on (127.0.0.1 unless placed elsewhere). */
    public String host() {
        return placement.host();
    }

    public NodePlacement placement() {
        return placement;
    }

    public int pgPort() {
        return pgPort;
    }

    public int restPort() {
        return restPort;
    }

    public String restUrl() {
        return "http://" + placement.address(restPort);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path config() {
        return config;
    }

    public Path log() {
        return log;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // A prefix such as "ip netns exec" execs the rest without forking: the process stays the agent's.
        List<String> command = new ArrayList<>(placement.commandPrefix());
        command.addAll(List.of("setsid", java, "-Xmx160m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xss512k", "-cp", System.getProperty("java.class.path"),
                "io.pgwarden.agent.AgentMain", "-c", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put(PARENT_ENV, String.valueOf(ProcessHandle.current().pid()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start agent " + name, e);
        }
        LOG.info("Started agent {} (pid {}), PostgreSQL {}, REST {}", name, process.pid(), placement.address(pgPort),
                placement.address(restPort));
    }

    /** The postmaster's pid from its pid file, when one runs. */
    public Optional<ProcessHandle> postmaster() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A node crash: SIGKILL to the agent and to PostgreSQL (postmaster and every child). */
    public synchronized void crash() {
        Optional<ProcessHandle> postmaster = postmaster();
        if (process != null) {
            process.destroyForcibly();
        }
        postmaster.ifPresent(AgentProcess::killTree);
        awaitExit(Duration.ofSeconds(10));
        LOG.info("Crashed node {} (agent and PostgreSQL killed)", name);
    }

    /** A PostgreSQL crash with the agent alive: SIGKILL to the postmaster and its children. */
    public void crashPostgres() {
        postmaster().ifPresent(AgentProcess::killTree);
        LOG.info("Crashed PostgreSQL of {}", name);
    }

    public synchronized void freeze() {
        signal("STOP");
    }

    public synchronized void thaw() {
        signal("CONT");
    }

    synchronized void thawQuietly() {
        if (isAlive()) {
            signal("CONT");
        }
    }

    /** A clean stop: SIGTERM; the agent stops PostgreSQL and gives up the key. */
    public synchronized void terminate() {
        if (isAlive()) {
            process.destroy();
        }
    }

    public boolean awaitExit(Duration timeout) {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            return true;
        }
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whatever is left: the agent, then PostgreSQL. */
    synchronized void killEverything() {
        if (process != null && process.isAlive()) {
            LOG.warn("Agent {} did not stop in time: killing it", name);
            process.destroyForcibly();
        }
        postmaster().ifPresent(AgentProcess::killTree);
    }

    private void signal(String signal) {
        if (process == null) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        root.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            root.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // reaped by its parent (the agent, or init); the next start checks the pid file
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + pid() + ", pg " + pgPort + ", rest " + restPort + "]";
    }
}
