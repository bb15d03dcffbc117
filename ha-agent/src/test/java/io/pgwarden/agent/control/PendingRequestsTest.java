package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PendingRequestsTest {

    private final AtomicInteger wakes = new AtomicInteger();
    private final PendingRequests pending = new PendingRequests(wakes::incrementAndGet);

    @Test
    void theLoopRunsThemInOrderAndTheCallerGetsTheResult() throws Exception {
        PendingRequests.Pending first = pending.submit(new ControlRequest.Reinitialize(false));
        PendingRequests.Pending second = pending.submit(new ControlRequest.Restart(RestartRequest.now()));
        assertThat(wakes).hasValue(2);
        List<String> ran = new ArrayList<>();
        CompletableFuture<ControlResult> waiting = CompletableFuture.supplyAsync(
                () -> second.await(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        pending.runAll(r -> {
            ran.add(r.name());
            return ControlResult.text(200, r.name() + " done");
        });
        assertThat(ran).containsExactly("reinitialize", "restart");
        assertThat(waiting.get().body()).isEqualTo("restart done");
        assertThat(first.await(Duration.ZERO, Duration.ZERO).body()).isEqualTo("reinitialize done");
    }

    @Test
    void aRequestNotTakenInTimeIsWithdrawnAndNeverRuns() {
        PendingRequests.Pending p = pending.submit(new ControlRequest.Restart(RestartRequest.now()));
        ControlResult result = p.await(Duration.ofMillis(50), Duration.ofSeconds(5));
        assertThat(result.code()).isEqualTo(503);
        assertThat(result.body()).contains("nothing was done");
        List<String> ran = new ArrayList<>();
        pending.runAll(r -> {
            ran.add(r.name());
            return ControlResult.text(200, "");
        });
        assertThat(ran).isEmpty();
    }

    @Test
    void aFailingRequestFailsAloneAsA503() {
        PendingRequests.Pending bad = pending.submit(new ControlRequest.Reinitialize(false));
        PendingRequests.Pending good = pending.submit(new ControlRequest.Reinitialize(true));
        pending.runAll(r -> {
            if (!((ControlRequest.Reinitialize) r).force()) {
                throw new IllegalStateException("boom");
            }
            return ControlResult.text(200, "ok");
        });
        assertThat(bad.await(Duration.ZERO, Duration.ZERO)).isEqualTo(ControlResult.text(503, "reinitialize failed: boom"));
        assertThat(good.await(Duration.ZERO, Duration.ZERO).code()).isEqualTo(200);
    }
}
