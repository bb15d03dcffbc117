package io.pgwarden.agent.dcs;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the agent's lease on its own thread, so a slow PostgreSQL operation in the loop never delays
 * a renewal. Remembers when the last renewal that etcd confirmed was <em>sent</em>: etcd counted the
 * ttl from no earlier than that, so the leader's deadline measured from it is safe.
 */
public final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final EtcdDcs dcs;
    private final Supplier<Duration> interval;
    private final Runnable onLost;
    private final RenewalListener listener;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgwarden-lease");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastRenewalNanos;
    private volatile boolean everRenewed;

    /** Told of every renewal attempt, for metrics. */
    public interface RenewalListener {
        void renewed(boolean ok);
    }

    public LeaseKeeper(EtcdDcs dcs, Supplier<Duration> interval, Runnable onLost, RenewalListener listener) {
        this.dcs = dcs;
        this.interval = interval;
        this.onLost = onLost;
        this.listener = listener;
    }

    public void start() {
        schedule(0);
    }

    /** A renewal-equivalent: the leader key was just created on the lease, at {@code sentNanos}. */
    public void confirmed(long sentNanos) {
        if (!everRenewed || sentNanos - lastRenewalNanos > 0) {
            lastRenewalNanos = sentNanos;
            everRenewed = true;
        }
    }

    /** Time since the send of the last confirmed renewal; very long when there was none. */
    public Duration sinceRenewal() {
        return everRenewed ? Duration.ofNanos(System.nanoTime() - lastRenewalNanos) : Duration.ofDays(365);
    }

    private void schedule(long delayMillis) {
        if (!thread.isShutdown()) {
            thread.schedule(this::renew, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void renew() {
        try {
            if (dcs.lease() != 0) {
                long sent = System.nanoTime();
                boolean ok;
                try {
                    ok = dcs.keepAlive();
                } catch (DcsException e) {
                    LOG.debug("Lease renewal failed: {}", e.getMessage());
                    listener.renewed(false);
                    return;
                }
                listener.renewed(ok);
                if (ok) {
                    confirmed(sent);
                } else {
                    onLost.run();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Lease renewal failed unexpectedly", e);
        } finally {
            schedule(Math.max(200, interval.get().toMillis()));
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
