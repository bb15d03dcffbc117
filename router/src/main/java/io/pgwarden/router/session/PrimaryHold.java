package io.pgwarden.router.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.router.routing.Router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Work for the primary port held while the leader-key holder cannot take it: unreachable (a
 * crashed leader keeps its key until its lease ends) or still in recovery around a promotion. The
 * held checkouts wait on one event per node — it takes writes now, or it is no longer the primary —
 * which one round per node finds out, every {@code interval} while anyone waits, with at most one
 * probe of the node in flight; they do not each retry on a timer of their own. Shared by every
 * client of the router, on any loop; only held checkouts come here, never the forwarding path.
 */
public final class PrimaryHold {

    /** The usual spacing of a node's rounds. */
    public static final Duration INTERVAL = Duration.ofMillis(100);

    private final Router router;
    private final long intervalMillis;
    /** Guarded by this. */
    private final Map<String, Node> nodes = new HashMap<>();

    public PrimaryHold(Router router) {
        this(router, INTERVAL);
    }

    PrimaryHold(Router router, Duration interval) {
        this.router = router;
        this.intervalMillis = interval.toMillis();
    }

    /**
     * Holds a checkout until {@code node} takes writes (the future succeeds: check out again) or is
     * no longer the primary (succeeds too: route again), or {@code deadlineNanos} passes (fails with
     * a {@link TimeoutException}). The future completes on {@code loop}. {@code probe} tells whether the
     * held checkouts should look again now (the node takes writes, or fails them for a reason of its
     * own); the first checkout's probe serves the node's rounds, never two at once.
     */
    Future<Void> await(String node, EventLoop loop, long deadlineNanos, Supplier<Future<Boolean>> probe) {
        Promise<Void> released = loop.newPromise();
        Node started = null;
        synchronized (this) {
            Node waiting = nodes.get(node);
            if (waiting == null) {
                waiting = new Node(loop, probe);
                nodes.put(node, waiting);
                started = waiting;
            }
            waiting.waiters.add(new Waiter(released, deadlineNanos));
        }
        if (started != null) {
            Node first = started;
            loop.schedule(() -> round(node, first), intervalMillis, TimeUnit.MILLISECONDS);
        }
        return released;
    }

    /** How many nodes are being watched now (for tests). */
    synchronized int watchedNodes() {
        return nodes.size();
    }

    /** One round for the checkouts held in {@code waiting}; a round of a watch that has ended does nothing. */
    private void round(String node, Node waiting) {
        List<Waiter> expired = new ArrayList<>();
        boolean moved = !router.isPrimary(node);
        boolean startProbe = false;
        synchronized (this) {
            if (nodes.get(node) != waiting) {
                return; // released meanwhile; a checkout held since is watched by a round of its own
            }
            long now = System.nanoTime();
            waiting.waiters.removeIf(w -> {
                boolean late = now - w.deadlineNanos() > 0;
                if (late) {
                    expired.add(w);
                }
                return late || w.promise().isDone();
            });
            if (waiting.waiters.isEmpty() || moved) {
                nodes.remove(node, waiting);
            } else if (!waiting.probing) {
                waiting.probing = true;
                startProbe = true;
            }
        }
        expired.forEach(w -> w.promise().tryFailure(new TimeoutException("held too long for node " + node)));
        if (moved) {
            // The key moved on (or there is no primary now): every held checkout routes again.
            releaseAll(waiting);
            return;
        }
        if (startProbe) {
            waiting.probe.get().addListener((Future<Boolean> f) -> {
                boolean lookAgain = f.isSuccess() && Boolean.TRUE.equals(f.getNow());
                synchronized (this) {
                    waiting.probing = false;
                    if (lookAgain) {
                        nodes.remove(node, waiting);
                    }
                }
                if (lookAgain) {
                    releaseAll(waiting);
                }
            });
        }
        synchronized (this) {
            if (nodes.get(node) != waiting) {
                return; // released, or nobody waits any more
            }
        }
        waiting.loop.schedule(() -> round(node, waiting), intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void releaseAll(Node waiting) {
        List<Waiter> waiters;
        synchronized (this) {
            waiters = new ArrayList<>(waiting.waiters);
            waiting.waiters.clear();
        }
        waiters.forEach(w -> w.promise().trySuccess(null));
    }

    /** A held checkout: its future and when it gives up. */
    private record Waiter(Promise<Void> promise, long deadlineNanos) {
    }

    /** The checkouts held for one node, and the loop and probe of its rounds. */
    private static final class Node {
        final EventLoop loop;
        final Supplier<Future<Boolean>> probe;
        final List<Waiter> waiters = new ArrayList<>();
        /** Guarded by the hold: a probe of this node is in flight. */
        boolean probing;

        Node(EventLoop loop, Supplier<Future<Boolean>> probe) {
            this.loop = loop;
            this.probe = probe;
        }
    }
}
