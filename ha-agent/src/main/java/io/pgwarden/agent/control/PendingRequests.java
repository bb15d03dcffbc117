package io.pgwarden.agent.control;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control requests on their way from the REST API's threads to the HA loop, which alone acts on
 * PostgreSQL. The REST side {@link #submit submits} and waits a bounded time; the loop {@link #runAll runs}
 * what is waiting before each of its cycles. A request the loop has not taken when its caller stops
 * waiting is withdrawn, so nothing runs that nobody waits for any more.
 */
public final class PendingRequests {

    private static final Logger LOG = LoggerFactory.getLogger(PendingRequests.class);
    private static final int CAPACITY = 8;

    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Runnable wake;

    /** @param wake wakes the loop, so a request does not wait for loop_wait */
    public PendingRequests(Runnable wake) {
        this.wake = wake;
    }

    /** @throws ControlException 503 when too many requests wait already */
    public Pending submit(ControlRequest request) {
        Pending pending = new Pending(request);
        if (!queue.offer(pending)) {
            throw new ControlException(503, "too many control requests are waiting for the agent's loop");
        }
        wake.run();
        return pending;
    }

    /** On the loop's thread: runs every request still wanted, in order. An exception fails only its request. */
    public void runAll(Function<ControlRequest, ControlResult> executor) {
        for (Pending pending = queue.poll(); pending != null; pending = queue.poll()) {
            if (!pending.state.compareAndSet(State.QUEUED, State.TAKEN)) {
                continue; // withdrawn
            }
            ControlResult result;
            try {
                result = executor.apply(pending.request);
            } catch (ControlException e) {
                result = e.result();
            } catch (RuntimeException e) {
                LOG.warn("{} failed", pending.request.name(), e);
                result = ControlResult.text(503, pending.request.name() + " failed: " + e.getMessage());
            }
            pending.result.complete(result);
        }
    }

    private enum State { QUEUED, TAKEN, WITHDRAWN }

    /** One submitted request. */
    public static final class Pending {

        private final ControlRequest request;
        private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
        private final CompletableFuture<ControlResult> result = new CompletableFuture<>();

        private Pending(ControlRequest request) {
            this.request = request;
        }

        /**
         * Waits for the outcome. Not taken by the loop within {@code take}: withdrawn, 503. Taken but not
         * done within {@code take + run}: 503 (it goes on; the node's status shows how it ends).
         */
        public ControlResult await(Duration take, Duration run) {
            try {
                return result.get(take.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (state.compareAndSet(State.QUEUED, State.WITHDRAWN)) {
                    return ControlResult.text(503, "the agent's loop is busy and did not take the " + request.name()
                            + " request within " + take.toSeconds() + " s; nothing was done");
                }
                try {
                    return result.get(run.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    return ControlResult.text(503, request.name() + " is still in progress after "
                            + take.plus(run).toSeconds() + " s");
                } catch (InterruptedException | ExecutionException other) {
                    return interrupted(other);
                }
            } catch (InterruptedException | ExecutionException e) {
                return interrupted(e);
            }
        }

        private ControlResult interrupted(Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                state.compareAndSet(State.QUEUED, State.WITHDRAWN);
            }
            return ControlResult.text(503, request.name() + " failed: " + e);
        }
    }
}
