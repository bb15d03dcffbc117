package io.pgwarden.bench;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a benchmark started (servers, routers, scratch directories), closed last first when the
 * benchmark ends, fails, or the JVM is stopped (Ctrl-C, SIGTERM) while it runs.
 */
public final class BenchResources implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BenchResources.class);

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final Thread shutdownHook = new Thread(this::closeAll, "pgwarden-bench-shutdown");
    private boolean closed;

    public BenchResources() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Takes {@code resource} over and returns it.
     *
     * @throws IllegalStateException after closing {@code resource}, if this is already closed (the JVM is stopping)
     */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new IllegalStateException("benchmark is stopping");
        }
        open.push(resource);
        return resource;
    }

    /** True once closing began, e.g. because the JVM is shutting down. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down and the hook runs or has run.
        }
    }

    private synchronized void closeAll() {
        closed = true;
        while (!open.isEmpty()) {
            closeQuietly(open.pop());
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            log.warn("Could not close {}", resource, e);
        }
    }
}
