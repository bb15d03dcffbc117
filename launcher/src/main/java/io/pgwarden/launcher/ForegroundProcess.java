package io.pgwarden.launcher;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Keeps a foreground command alive until Ctrl-C or SIGTERM, then closes what it started, last first.
 * From {@link #begin()} on, an interrupted or failed start-up also closes what it had started by then.
 */
final class ForegroundProcess {

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean stopping;

    private ForegroundProcess() {
    }

    static ForegroundProcess begin() {
        ForegroundProcess process = new ForegroundProcess();
        // Ctrl-C and SIGTERM close everything here, in order, before any shutdown hook runs: the hooks
        // run all at once, and the local module's fixtures close themselves in one of them (etcd
        // would go while the agents still release their keys).
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), signal -> process.stop());
            } catch (IllegalArgumentException e) {
                // java -Xrs keeps these signals from us: the shutdown hook below still closes everything.
            }
        }
        // Any other exit (System.exit after a failed start-up).
        Runtime.getRuntime().addShutdownHook(new Thread(process::stop, "pgwarden-shutdown"));
        return process;
    }

    static void awaitShutdown(AutoCloseable... resources) throws Exception {
        ForegroundProcess process = begin();
        for (AutoCloseable resource : resources) {
            process.own(resource);
        }
        process.awaitShutdown();
    }

    /**
     * Closes {@code resource} on exit, before everything owned earlier.
     *
     * @throws StoppedException when the process is already stopping; {@code resource} is closed then
     */
    synchronized <T extends AutoCloseable> T own(T resource) throws Exception {
        if (stopping) {
            resource.close();
            throw new StoppedException();
        }
        resources.push(resource);
        return resource;
    }

    /** Whether Ctrl-C, SIGTERM or an exit has begun closing everything. */
    synchronized boolean isStopping() {
        return stopping;
    }

    void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /**
     * Closes everything owned, last first, and ends {@link #awaitShutdown()}. Synchronized throughout:
     * a second caller (the shutdown hook after a signal) waits for the first to finish.
     */
    synchronized void stop() {
        stopping = true;
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("pgwarden: error while stopping: " + e.getMessage());
            }
        }
        stopped.countDown();
    }

    /** Ctrl-C or SIGTERM came while the command was still starting. */
    static final class StoppedException extends Exception {
        StoppedException() {
            super("stopped while starting");
        }
    }
}
