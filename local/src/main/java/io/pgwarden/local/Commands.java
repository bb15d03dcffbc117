package io.pgwarden.local;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs external commands to completion, with a timeout that kills the whole process tree. */
public final class Commands {

    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);

    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);

    private Commands() {
    }

    /** Runs {@code command} in the current directory with the inherited environment. */
    public static CommandResult run(Duration timeout, String... command) {
        return run(List.of(command), Map.of(), null, timeout);
    }

    /**
     * Runs a command and waits for it.
     *
     * @param command    program and arguments, passed as is (no shell)
     * @param env        variables added to (or replacing those of) this JVM's environment
     * @param workDir    working directory, or {@code null} for this JVM's
     * @param timeout    how long the command may run
     * @throws CommandTimeoutException after killing the command and its descendants
     * @throws UncheckedIOException    if the command cannot be started
     */
    public static CommandResult run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(timeout, "timeout");
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        LOG.debug("Running {}", command);
        Path out = null;
        Path err = null;
        try {
            // Output goes to files, not pipes: a daemon the command leaves behind (pg_ctl start) could
            // otherwise hold a pipe open and make reading it hang after the command itself has exited.
            out = Files.createTempFile("pgwarden-cmd-", ".out");
            err = Files.createTempFile("pgwarden-cmd-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                killTree(process.toHandle());
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new InterruptedIOException("interrupted while running " + command));
            }
            if (!exited) {
                killTree(process.toHandle());
                throw new CommandTimeoutException(command, timeout);
            }
            return new CommandResult(process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * Sends a signal with {@code kill -s}: {@code "STOP"} freezes a process (a hung agent or server),
     * {@code "CONT"} thaws it, {@code "KILL"} crashes it. A {@code SIG} prefix is accepted.
     *
     * @throws IllegalStateException if the process does not exist or may not be signalled
     */
    public static void signal(long pid, String signal) {
        Objects.requireNonNull(signal, "signal");
        String name = signal.startsWith("SIG") ? signal.substring(3) : signal;
        if (!name.matches("[A-Z][A-Z0-9]*")) {
            throw new IllegalArgumentException("not a signal name: " + signal);
        }
        run(SIGNAL_TIMEOUT, "kill", "-s", name, String.valueOf(pid)).requireSuccess("kill -s " + name + " " + pid);
        LOG.debug("Sent SIG{} to {}", name, pid);
    }

    /**
     * SIGKILLs a child process (which ends a stopped one too) and waits until it is reaped, so that
     * {@link Process#isAlive()} is false on return.
     */
    static void kill(Process process, String what) {
        if (!process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                LOG.warn("{} (pid {}) did not exit after SIGKILL", what, process.pid());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILLs a process and every descendant (collected first: they are re-parented once it dies) and waits for them. */
    static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(0, root);
        all.forEach(ProcessHandle::destroyForcibly);
        // Polled here: onExit() of a process that is not our child backs off to one check per second or so.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle process : all) {
            while (isRunning(process)) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("Process {} did not exit after SIGKILL", process.pid());
                    break;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Alive and not a zombie. A killed process whose parent died stays a zombie until init reaps it,
     * which some container inits do only every few seconds; ProcessHandle.isAlive() counts those.
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            // "pid (comm) S ...": the state follows the last ')' since comm may contain anything.
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return process.isAlive();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", file, e.toString());
        }
    }
}
