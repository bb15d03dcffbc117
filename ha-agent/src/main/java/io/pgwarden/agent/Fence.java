package io.pgwarden.agent;

import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.agent.postgres.StopMode;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's own fence, on a thread of its own: the moment a node that runs as primary is past its
 * renew deadline, its PostgreSQL is stopped immediately, whatever the loop is busy with. It checks
 * often, so after a freeze (SIGSTOP/SIGCONT of the whole JVM) it acts within a tick of waking up.
 * It also feeds the watchdog, while the lease is valid, and wakes the loop the moment the postmaster is gone.
 */
final class Fence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Fence.class);
    private static final long TICK_MILLIS = 50;

    private final PostgresServer postgres;
    private final BooleanSupplier runsAsPrimary;
    private final Supplier<Duration> sinceRenewal;
    private final Supplier<Duration> deadline;
    private final Runnable onFenced;
    private final Runnable onPostgresGone;
    private final io.pgwarden.agent.watchdog.Watchdog watchdog;
    private final Supplier<Duration> feedDeadline;
    private long lastFeedNanos;
    private boolean postgresWasRunning;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-fence");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });

    Fence(PostgresServer postgres, BooleanSupplier runsAsPrimary, Supplier<Duration> sinceRenewal,
          Supplier<Duration> deadline, Runnable onFenced, io.pgwarden.agent.watchdog.Watchdog watchdog,
          Supplier<Duration> feedDeadline, Runnable onPostgresGone) {
        this.onPostgresGone = onPostgresGone;
        this.watchdog = watchdog;
        this.feedDeadline = feedDeadline;
        this.postgres = postgres;
        this.runsAsPrimary = runsAsPrimary;
        this.sinceRenewal = sinceRenewal;
        this.deadline = deadline;
        this.onFenced = onFenced;
    }

    void start() {
        thread.scheduleWithFixedDelay(this::check, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            Duration since = sinceRenewal.get();
            feedWatchdog(since);
            boolean running = postgres.isRunning();
            if (postgresWasRunning && !running) {
                onPostgresGone.run(); // a crashed postmaster is restarted (or given up) by the next loop, now
            }
            postgresWasRunning = running;
            if (since.compareTo(deadline.get()) >= 0 && runsAsPrimary.getAsBoolean() && running) {
                LOG.warn("FENCE: no lease renewal for {} ms (deadline {} ms): stopping PostgreSQL immediately",
                        since.toMillis(), deadline.get().toMillis());
                postgres.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10));
                onFenced.run();
            }
        } catch (RuntimeException e) {
            LOG.error("Fence check failed", e);
        }
    }

    /** The watchdog is fed only while the lease is surely valid: a hung agent stops feeding it. */
    private void feedWatchdog(Duration since) {
        long now = System.nanoTime();
        if (watchdog.armed() && runsAsPrimary.getAsBoolean() && since.compareTo(feedDeadline.get()) < 0
                && now - lastFeedNanos >= 500_000_000L) {
            watchdog.keepalive();
            lastFeedNanos = now;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
