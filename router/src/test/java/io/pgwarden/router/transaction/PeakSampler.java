package io.pgwarden.router.transaction;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Samples a count on a background thread while a test runs and keeps the highest value seen. */
final class PeakSampler implements AutoCloseable {

    /** A count that may fail to be read (a query, say). */
    @FunctionalInterface
    interface Count {
        int read() throws Exception;
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "peak-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    PeakSampler(Count count, long periodMillis) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                peak.accumulateAndGet(count.read(), Math::max);
                samples.incrementAndGet();
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** The highest value seen; fails if any sample could not be taken. */
    int peak() {
        Exception e = failure.get();
        if (e != null) {
            throw new AssertionError("a sample failed", e);
        }
        return peak.get();
    }

    int samples() {
        return samples.get();
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
