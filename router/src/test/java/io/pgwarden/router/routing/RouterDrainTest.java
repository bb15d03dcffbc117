package io.pgwarden.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Switchover;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.drain.Drain;
import io.pgwarden.router.metrics.RouterMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** New work for the primary is held while a coordinated switchover drains, and only then. */
class RouterDrainTest {

    private static final Member A = new Member("a", "127.0.0.1", 5432, Role.PRIMARY, "running", 2, 0, 0, Map.of(), Optional.empty());
    private static final Member B = new Member("b", "127.0.0.1", 5433, Role.REPLICA, "running", 2, 0, 0, Map.of(), Optional.empty());
    private static final Member B_PROMOTED = new Member("b", "127.0.0.1", 5433, Role.PRIMARY, "running", 3, 0, 0, Map.of(), Optional.empty());

    private final Router router = new Router(new RoutingSettings(false, 1 << 20, true, Duration.ofSeconds(5)), new RouterMetrics());

    private static Topology topology(String leader, List<Member> members, Optional<Switchover> request, boolean pending,
                                     Optional<Drain> drain) {
        return new Topology("demo", Optional.ofNullable(leader), members, false, pending, true, 3, request, drain);
    }

    @Test
    void aCoordinatedRequestAloneHoldsNothingTheDrainHoldsUntilItIsDeleted() {
        Optional<Switchover> request = Optional.of(new Switchover(Optional.of("a"), Optional.of("b"), Optional.empty()));
        router.onTopology(topology("a", List.of(A, B), request, false, Optional.empty()));
        assertThat(router.isPrimary("a")).as("traffic flows until the drain is announced").isTrue();

        Drain drain = new Drain("d1", "a", "b", 5000, null);
        router.onTopology(topology("a", List.of(A, B), request, false, Optional.of(drain)));
        assertThat(router.view().primary()).isEmpty();

        // The candidate holds the key but has not deleted the drain yet (it is still being promoted).
        router.onTopology(topology("b", List.of(A, B_PROMOTED), request, false, Optional.of(drain.stoppedAt(100))));
        assertThat(router.view().primary()).isEmpty();

        router.onTopology(topology("b", List.of(A, B_PROMOTED), Optional.empty(), false, Optional.empty()));
        assertThat(router.isPrimary("b")).isTrue();
    }

    @Test
    void aDrainNobodyDeletesStopsHoldingAfterItsTimeoutAndTheGrace() throws Exception {
        Drain shortDrain = new Drain("d2", "a", "b", 1, null);
        Topology draining = topology("a", List.of(A, B), Optional.empty(), false, Optional.of(shortDrain));
        router.onTopology(draining);
        assertThat(router.view().primary()).isEmpty();
        // Same drain seen again later (a periodic re-read): still held within timeout + grace.
        router.onTopology(draining);
        assertThat(router.view().primary()).isEmpty();
    }
}
