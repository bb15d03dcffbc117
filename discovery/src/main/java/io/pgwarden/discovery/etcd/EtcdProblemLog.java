package io.pgwarden.discovery.etcd;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-running client's view of why etcd refuses it, logged once per distinct problem rather than
 * once per failed call: the agent's loop and the router's reads fail every second while a password
 * is wrong, and the log should say so once, clearly. Calls that fail silently (timeouts, a handshake
 * gRPC keeps retrying) start a probe of the endpoints on a thread of its own, at most one at a time,
 * so the caller's timing never waits for it.
 */
public final class EtcdProblemLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdProblemLog.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** Probes are spaced out: a frozen etcd makes every call time out. */
    private static final long PROBE_SPACING_NANOS = Duration.ofSeconds(10).toNanos();

    private final EtcdAccess access;
    private final ExecutorService prober;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile String current; // the problem last logged, null while calls succeed
    private volatile long lastProbeNanos = System.nanoTime() - PROBE_SPACING_NANOS;

    public EtcdProblemLog(EtcdAccess access) {
        this.access = access;
        this.prober = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-etcd-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Notes a failed call. Returns the clear reason when one is known (from this error, or from an
     * earlier probe), else empty; logs a reason the first time it is seen.
     */
    public Optional<String> failed(Throwable error) {
        Optional<String> known = EtcdFailures.fromError(error, access);
        if (known.isPresent()) {
            report(known.get());
            return known;
        }
        if (EtcdFailures.isSilent(error)) {
            startProbe();
        }
        return Optional.ofNullable(current);
    }

    /** Notes a call that succeeded: a problem logged before is over. */
    public void succeeded() {
        String previous = current;
        if (previous != null) {
            current = null;
            LOG.info("etcd at {} accepts this client again", access.endpoints());
        }
    }

    /** The problem last found, while calls keep failing. */
    public Optional<String> current() {
        return Optional.ofNullable(current);
    }

    private void report(String problem) {
        if (!problem.equals(current)) {
            current = problem;
            LOG.error("{}", problem);
        }
    }

    private void startProbe() {
        long now = System.nanoTime();
        if (now - lastProbeNanos < PROBE_SPACING_NANOS || !probing.compareAndSet(false, true)) {
            return;
        }
        lastProbeNanos = now;
        try {
            prober.execute(() -> {
                try {
                    EtcdFailures.probe(access, PROBE_TIMEOUT).ifPresent(this::report);
                } catch (RuntimeException e) {
                    LOG.debug("Probing etcd at {} failed: {}", access.endpoints(), e.toString());
                } finally {
                    probing.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            probing.set(false); // closed
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
