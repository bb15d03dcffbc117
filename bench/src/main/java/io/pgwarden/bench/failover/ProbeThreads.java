package io.pgwarden.bench.failover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The probes of one run, a thread each; stopping waits for every thread, each for a bounded time. */
final class ProbeThreads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProbeThreads.class);
    /** Longer than one attempt can take: 1 s connect + 1 s login + 2 s socket timeout. */
    private static final long JOIN_MILLIS = 10_000;

    private final List<WriteProbe> probes;
    private final List<Thread> threads = new ArrayList<>();
    private boolean stopped;

    ProbeThreads(List<WriteProbe> probes) {
        this.probes = List.copyOf(probes);
    }

    ProbeThreads start() {
        for (WriteProbe probe : probes) {
            Thread thread = new Thread(probe, "probe-" + probe.name());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        return this;
    }

    List<WriteProbe> probes() {
        return probes;
    }

    /** The latest acknowledgement of {@code probe} (nanoTime), if it has had one. */
    static Optional<Long> lastAck(WriteProbe probe) {
        List<Attempt> attempts = probe.attempts();
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (attempts.get(i).acknowledged()) {
                return Optional.of(attempts.get(i).doneNanos());
            }
        }
        return Optional.empty();
    }

    /** Stops every probe and waits for its thread; safe to call more than once. */
    synchronized void stop() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        probes.forEach(WriteProbe::stop);
        for (Thread thread : threads) {
            thread.join(JOIN_MILLIS);
            if (thread.isAlive()) {
                log.warn("Probe thread {} still running {} s after stop; interrupting it", thread.getName(),
                        TimeUnit.MILLISECONDS.toSeconds(JOIN_MILLIS));
                thread.interrupt();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    @Override
    public String toString() {
        return "ProbeThreads" + probes.stream().map(WriteProbe::name).toList();
    }
}
