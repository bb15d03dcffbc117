package io.pgwarden.router.switchover;

import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.TopologyListener;
import io.pgwarden.discovery.drain.Drain;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.session.ClientRegistry;
import io.pgwarden.router.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This router's part in a coordinated switchover. The {@link Router} holds new work for the primary
 * as soon as a snapshot shows {@code drain}; this then pre-opens connections to the candidate, waits
 * until no client has a transaction in flight on the leaving primary (at most the drain's timeout),
 * cuts what is left there with 57P01 naming both nodes, and acknowledges in etcd.
 */
public final class SwitchoverDrainer implements TopologyListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SwitchoverDrainer.class);
    private static final long POLL_MILLIS = 2;
    private static final Duration RECHECK_AFTER_HOLD = Duration.ofSeconds(11);
    private static final Duration MIN_MARGIN = Duration.ofMillis(250);
    private static final Duration MAX_MARGIN = Duration.ofSeconds(1);

    private final Router router;
    private final ClientRegistry registry;
    private final ServerPools pools;
    private final RouterRegistration registration;
    private final Supplier<Topology> current;
    private final ScheduledExecutorService scheduler;
    /** Confined to the topology listener thread. */
    private String handled;

    public SwitchoverDrainer(Router router, ClientRegistry registry, ServerPools pools, RouterRegistration registration,
                             Supplier<Topology> current) {
        this.router = router;
        this.registry = registry;
        this.pools = pools;
        this.registration = registration;
        this.current = current;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-drain");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void onTopology(Topology topology) {
        if (topology.drain().isEmpty() || topology.drain().get().id().equals(handled)) {
            return;
        }
        Drain drain = topology.drain().get();
        handled = drain.id();
        long started = System.nanoTime();
        topology.member(drain.candidate()).ifPresent(c -> pools.preOpen(drain.leader(), c.name(), c.host(), c.port()));
        scheduler.execute(() -> poll(drain, started, started + cutAfter(drain.timeout()).toNanos()));
        // The router's hold on this drain ends by itself; make sure a snapshot looks at it again then.
        scheduler.schedule(() -> {
            Topology now = current.get();
            if (now != null) {
                router.onTopology(now);
            }
        }, drain.timeout().plus(RECHECK_AFTER_HOLD).toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * How long transactions may still run on the leaving primary once this router saw the drain: the
     * drain timeout less a margin. The leader counts the timeout from its announcement, which reaches
     * us later, and stops PostgreSQL when it ends; our cut and acknowledgement must come first, or a
     * client gets PostgreSQL's shutdown error rather than the one naming both nodes.
     */
    static Duration cutAfter(Duration timeout) {
        Duration margin = timeout.dividedBy(10);
        margin = margin.compareTo(MIN_MARGIN) < 0 ? MIN_MARGIN : margin.compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : margin;
        Duration quarter = timeout.dividedBy(4);
        return timeout.minus(margin.compareTo(quarter) > 0 ? quarter : margin);
    }

    private void poll(Drain drain, long started, long deadline) {
        List<ClientSession> sessions = new ArrayList<>();
        registry.forEachSession(sessions::add);
        List<CompletableFuture<Boolean>> answers = sessions.stream().map(s -> s.busyOn(drain.leader())).toList();
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            long busy = answers.stream().filter(a -> a.getNow(false)).count();
            boolean timedOut = System.nanoTime() - deadline > 0;
            if (busy > 0 && !timedOut) {
                scheduler.schedule(() -> poll(drain, started, deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            String why = timedOut && busy > 0
                    ? " (the transaction did not finish within the drain timeout, " + drain.timeoutMs() + " ms)" : "";
            sessions.forEach(s -> s.cutForSwitchover(drain.leader(), drain.candidate(), why));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (busy > 0) {
                log.warn("drain of {} timed out after {} ms: {} transactions cut", drain.leader(), tookMs, busy);
            } else {
                log.info("drained {} in {} ms for the switchover to {}", drain.leader(), tookMs, drain.candidate());
            }
            // Its backends end now rather than be terminated one by one by the leader's shutdown, which
            // the write pause waits for.
            pools.closeNode(drain.leader());
            registration.acknowledge(drain.id());
        });
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
