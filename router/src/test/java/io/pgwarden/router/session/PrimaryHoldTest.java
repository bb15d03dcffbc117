package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Checkouts held for a writable primary wait on one event per node, found out by one probe at a time. */
@Timeout(30)
class PrimaryHoldTest {

    private static final Duration INTERVAL = Duration.ofMillis(10);
    private static final Member A = Member.running("a", "127.0.0.1", 5432, Role.PRIMARY);
    private static final Member B = Member.running("b", "127.0.0.1", 5433, Role.REPLICA);
    private static final Member B_PROMOTED = Member.running("b", "127.0.0.1", 5433, Role.PRIMARY);

    private final EventLoop loop = new DefaultEventLoop();
    private final Router router = new Router(new RoutingSettings(false, 1 << 20, false, Duration.ofSeconds(5)),
            new RouterMetrics());
    private final PrimaryHold hold = new PrimaryHold(router, INTERVAL);

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void leader(String name, Member... members) {
        router.onTopology(new Topology("demo", Optional.of(name), List.of(members), false, false, true));
    }

    private static long inMillis(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** A probe that says "not writable" until {@code writable} is set, counting its calls and overlaps. */
    private final class CountingProbe implements Supplier<Future<Boolean>> {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicBoolean writable = new AtomicBoolean();
        /** How long an answer takes, as a connection attempt would; 0 answers at once. */
        final long delayMillis;

        CountingProbe() {
            this(3);
        }

        CountingProbe(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        @Override
        public Future<Boolean> get() {
            calls.incrementAndGet();
            if (delayMillis == 0) {
                return loop.newSucceededFuture(writable.get());
            }
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Promise<Boolean> answer = loop.newPromise();
            loop.schedule(() -> {
                inFlight.decrementAndGet();
                answer.setSuccess(writable.get());
            }, delayMillis, TimeUnit.MILLISECONDS);
            return answer;
        }
    }

    @Test
    void manyHeldCheckoutsShareOneProbeAndAreAllReleasedWhenTheNodeTakesWrites() throws Exception {
        leader("a", A, B);
        CountingProbe probe = new CountingProbe();
        List<Future<Void>> held = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            held.add(hold.await("a", loop, inMillis(10_000), probe));
        }
        Thread.sleep(20 * INTERVAL.toMillis());
        assertThat(held).noneMatch(Future::isDone);
        int probesWhileHeld = probe.calls.get();

        probe.writable.set(true);

        await().atMost(Duration.ofSeconds(5)).until(() -> held.stream().allMatch(Future::isDone));
        assertThat(held).allMatch(Future::isSuccess);
        // Polling per checkout would have probed at least once per checkout and round.
        assertThat(probesWhileHeld).isBetween(1, 25);
        assertThat(probe.maxInFlight.get()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> hold.watchedNodes() == 0);
        int probesAfterRelease = probe.calls.get();
        Thread.sleep(10 * INTERVAL.toMillis());
        assertThat(probe.calls.get()).as("nobody waits: no more probes").isEqualTo(probesAfterRelease);
    }

    @Test
    void heldCheckoutsAreReleasedToRouteAgainWhenTheKeyMovesOn() {
        leader("a", A, B);
        CountingProbe probe = new CountingProbe();
        Future<Void> first = hold.await("a", loop, inMillis(10_000), probe);
        Future<Void> second = hold.await("a", loop, inMillis(10_000), probe);

        leader("b", A, B_PROMOTED);

        await().atMost(Duration.ofSeconds(5)).until(() -> first.isDone() && second.isDone());
        assertThat(first.isSuccess()).isTrue();
        assertThat(second.isSuccess()).isTrue();
        assertThat(probe.writable.get()).as("released by the new topology, not by a probe").isFalse();
    }

    @Test
    void aCheckoutPastItsDeadlineFailsWhileTheOthersWaitOn() throws Exception {
        leader("a", A, B);
        CountingProbe probe = new CountingProbe();
        Future<Void> impatient = hold.await("a", loop, inMillis(5 * INTERVAL.toMillis()), probe);
        Future<Void> patient = hold.await("a", loop, inMillis(10_000), probe);

        await().atMost(Duration.ofSeconds(5)).until(impatient::isDone);
        assertThat(impatient.cause()).isInstanceOf(TimeoutException.class);
        assertThat(patient.isDone()).isFalse();

        probe.writable.set(true);
        await().atMost(Duration.ofSeconds(5)).until(patient::isDone);
        assertThat(patient.isSuccess()).isTrue();
    }

    @Test
    void aCheckoutHeldRightAfterAReleaseIsWatchedByOneRoundAtATime() throws Exception {
        leader("a", A, B);
        CountingProbe first = new CountingProbe();
        first.writable.set(true);
        // Answers at once: every round probes, so the probes count the rounds.
        CountingProbe second = new CountingProbe(0);
        AtomicReference<Future<Void>> heldAgain = new AtomicReference<>();
        Future<Void> released = hold.await("a", loop, inMillis(10_000), first);
        // Held again at once, on the loop, while the released watch's next round is still pending.
        released.addListener(f -> heldAgain.set(hold.await("a", loop, inMillis(10_000), second)));
        await().atMost(Duration.ofSeconds(5)).until(() -> heldAgain.get() != null);

        Thread.sleep(30 * INTERVAL.toMillis());

        // One round per interval probes at most about 30 times; a second chain of rounds would double it.
        assertThat(second.calls.get()).isBetween(1, 40);
        assertThat(heldAgain.get().isDone()).isFalse();
    }

    @Test
    void aWatchEndsWhenItsOnlyCheckoutIsCancelledByAClientThatLeft() throws Exception {
        leader("a", A, B);
        CountingProbe probe = new CountingProbe(0);
        Future<Void> held = hold.await("a", loop, inMillis(10_000), probe);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.calls.get() > 0);

        held.cancel(false);

        await().atMost(Duration.ofSeconds(5)).until(() -> hold.watchedNodes() == 0);
        int probes = probe.calls.get();
        Thread.sleep(10 * INTERVAL.toMillis());
        assertThat(probe.calls.get()).isEqualTo(probes);
    }
}
