package io.pgwarden.agent.callbacks;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code postgresql.callbacks} scripts as Patroni 3.0.2 does: {@code <command> <action> <role>
 * <scope>}, role {@code master} or {@code replica}; one at a time, a new one killing the one still
 * running (with its children); never waited for by the HA loop. Unlike Patroni, a script is also killed
 * once it has run for {@code timeout}. Scripts run as the agent's own user, their output goes to the
 * agent's.
 *
 * <p>The agent reports what happened to PostgreSQL ({@link #started}, {@link #stopped},
 * {@link #restarted}, {@link #promoted}); which callback that makes follows Patroni: a start as a replica
 * right after running as primary is a role change, not a start.
 */
public final class Callbacks implements AutoCloseable {

    /** The role Patroni 3.0.2 passes for a primary (3.1 and later pass {@code primary}). */
    public static final String PRIMARY = "master";
    public static final String REPLICA = "replica";

    private static final Logger LOG = LoggerFactory.getLogger(Callbacks.class);

    private final Map<CallbackAction, List<String>> commands;
    private final String scope;
    private final Duration timeout;
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "pgwarden-callbacks");
        t.setDaemon(true);
        return t;
    });
    private Process running; // on the callback thread only
    private ScheduledFuture<?> killer;
    private String lastRole; // the role PostgreSQL last ran in, as reported (loop thread, fence thread)

    /** @param commands command lines by action, split as {@link CommandLine#split} does; absent = none */
    public Callbacks(Map<CallbackAction, String> commands, String scope, Duration timeout) {
        this.commands = new EnumMap<>(CallbackAction.class);
        commands.forEach((action, line) -> {
            if (line != null && !line.isBlank()) {
                this.commands.put(action, CommandLine.split(line));
            }
        });
        this.scope = Objects.requireNonNull(scope, "scope");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        // On close, scripts already asked for still start; their time limits no longer hold the thread.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** From Patroni's keys ({@code on_start} ...) to command lines. */
    public static Callbacks of(Map<String, String> commandsByKey, String scope, Duration timeout) {
        Map<CallbackAction, String> commands = new EnumMap<>(CallbackAction.class);
        commandsByKey.forEach((key, line) -> commands.put(CallbackAction.valueOf(key.toUpperCase(java.util.Locale.ROOT)), line));
        return new Callbacks(commands, scope, timeout);
    }

    public static Callbacks none(String scope) {
        return new Callbacks(Map.of(), scope, Duration.ofSeconds(1));
    }

    /**
     * PostgreSQL runs in {@code role}: when nothing was reported since the agent started (it found the
     * server running), on_start, as Patroni calls it once at its first loop.
     */
    public synchronized void running(String role) {
        if (lastRole == null) {
            started(role);
        }
    }

    /** PostgreSQL was started in {@code role}: on_start, or on_role_change when it ran as primary before. */
    public synchronized void started(String role) {
        boolean demoted = PRIMARY.equals(lastRole) && REPLICA.equals(role);
        lastRole = role;
        run(demoted ? CallbackAction.ON_ROLE_CHANGE : CallbackAction.ON_START, role);
    }

    /** The agent stopped PostgreSQL, which ran in {@code role}. */
    public synchronized void stopped(String role) {
        lastRole = role;
        run(CallbackAction.ON_STOP, role);
    }

    /** The agent restarted PostgreSQL in {@code role}. */
    public synchronized void restarted(String role) {
        lastRole = role;
        run(CallbackAction.ON_RESTART, role);
    }

    /** A standby was promoted. */
    public synchronized void promoted() {
        lastRole = PRIMARY;
        run(CallbackAction.ON_ROLE_CHANGE, PRIMARY);
    }

    /** Runs the command configured for {@code action}, if any, in the background. */
    public void run(CallbackAction action, String role) {
        List<String> command = commands.get(action);
        if (command == null) {
            return;
        }
        List<String> full = new ArrayList<>(command);
        full.addAll(List.of(action.key(), role, scope));
        try {
            thread.execute(() -> start(full));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Callback {} not run: the agent is stopping", action.key());
        }
    }

    private void start(List<String> command) {
        killRunning("a new callback starts");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(Redirect.from(new File("/dev/null")))
                    .redirectOutput(Redirect.INHERIT)
                    .redirectError(Redirect.INHERIT)
                    .start();
            running = process;
            LOG.info("Callback started: {} (pid {})", String.join(" ", command), process.pid());
            process.onExit().thenAccept(p -> {
                if (p.exitValue() != 0) {
                    LOG.warn("Callback {} exited with {}", String.join(" ", command), p.exitValue());
                }
            });
            killer = thread.schedule(() -> {
                if (running == process && process.isAlive()) {
                    killRunning("it ran longer than " + timeout.toMillis() + " ms");
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            LOG.warn("Callback {} could not be started: {}", String.join(" ", command), e.getMessage());
        }
    }

    /** Kills the running script and everything it started (a script's children would outlive it). */
    private void killRunning(String why) {
        if (killer != null) {
            killer.cancel(false);
            killer = null;
        }
        Process process = running;
        running = null;
        if (process == null || !process.isAlive()) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        LOG.warn("Killed callback pid {}: {}", process.pid(), why);
    }

    /** Starts what was asked for (waiting a little), then stops; a script still running is left running. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
