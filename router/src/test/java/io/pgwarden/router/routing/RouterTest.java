package io.pgwarden.router.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.router.metrics.RouterMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which node each port's new work goes to, from topology snapshots alone. */
class RouterTest {

    private static final long MAX_LAG = 1 << 20;

    static Member primary(String name, long timeline) {
        return new Member(name, "127.0.0.1", 5432, Role.PRIMARY, "running", timeline, 0, 0, Map.of(), Optional.empty());
    }

    static Member replica(String name) {
        return replica(name, 0, Map.of());
    }

    static Member replica(String name, long lagBytes, Map<String, String> tags) {
        return new Member(name, "127.0.0.1", 5433, Role.REPLICA, "running", 2, 0, lagBytes, tags, Optional.empty());
    }

    static Topology topology(String leader, Member... members) {
        return new Topology("demo", Optional.ofNullable(leader), List.of(members), false, false, true);
    }

    private static Router router(boolean fallbackToPrimary) {
        return new Router(new RoutingSettings(fallbackToPrimary, MAX_LAG, true, Duration.ofSeconds(5)), new RouterMetrics());
    }

    private static List<String> names(List<Member> members) {
        return members.stream().map(Member::name).toList();
    }

    @Test
    void thePrimaryPortGetsTheKeyHolderAndNothingWithoutOne() throws Exception {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b")));
        assertThat(names(router.candidates(ListenerRole.PRIMARY))).containsExactly("a");

        router.onTopology(topology(null, primary("a", 2), replica("b")));
        assertThatThrownBy(() -> router.candidates(ListenerRole.PRIMARY))
                .isInstanceOf(NoServerAvailableException.class).hasMessageContaining("no primary");
    }

    @Test
    void replicasLaggingBeyondMaxLagOrTaggedNoloadbalanceGetNoReads() throws Exception {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b"), replica("c", MAX_LAG + 1, Map.of()),
                replica("d", 0, Map.of("noloadbalance", "true"))));
        assertThat(names(router.candidates(ListenerRole.REPLICA))).containsExactly("b");
        assertThat(router.allowsReadsFrom("c")).isFalse();
        assertThat(router.allowsReadsFrom("d")).isFalse();
    }

    @Test
    void withoutReplicasReadsGoToThePrimaryOnlyWhenFallbackIsOn() throws Exception {
        Router strict = router(false);
        strict.onTopology(topology("a", primary("a", 2)));
        assertThatThrownBy(() -> strict.candidates(ListenerRole.REPLICA)).isInstanceOf(NoServerAvailableException.class);

        Router lenient = router(true);
        lenient.onTopology(topology("a", primary("a", 2), replica("b")));
        assertThat(names(lenient.candidates(ListenerRole.REPLICA))).containsExactly("b", "a");
        assertThat(lenient.allowsReadsFrom("a")).isTrue();
    }

    @Test
    void aKeyHolderOnAnOlderTimelineThanARunningMemberGetsNoWrites() {
        Router router = router(false);
        Member newer = new Member("b", "127.0.0.1", 5433, Role.REPLICA, "running", 3, 0, 0, Map.of(), Optional.empty());
        router.onTopology(topology("a", primary("a", 2), newer));
        assertThat(router.view().primary()).isEmpty();
        assertThat(router.view().keyHolder()).isEmpty();
    }

    @Test
    void anUnreachableStoreFencesReplicaReadsWhenAskedTo() {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b")).withDcsReachable(false));
        assertThat(router.view().readable()).isEmpty();
        assertThat(router.view().primary()).isEmpty();
    }

    @Test
    void heldPrimaryWorkIsReleasedWhenAPrimaryAppears() throws Exception {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            EventLoop loop = loops.next();
            Router router = router(false);
            router.onTopology(topology(null, replica("b")));
            Future<Void> held = router.awaitPrimary(loop);
            assertThat(held.isDone()).isFalse();

            router.onTopology(topology("a", primary("a", 2), replica("b")));
            assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(held.isSuccess()).isTrue();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Ten one-query clients as the session sees them: a login, then one transaction each. */
    private static Map<String, Long> firstChoicesOfOneQueryClients(Router router) throws Exception {
        java.util.List<String> transactions = new java.util.ArrayList<>();
        for (int client = 0; client < 10; client++) {
            String login = router.candidatesForLogin(ListenerRole.REPLICA).get(0).name();
            String transaction = router.candidates(ListenerRole.REPLICA).get(0).name();
            assertThat(login).as("the login waits where the first transaction goes").isEqualTo(transaction);
            transactions.add(transaction);
        }
        return transactions.stream().collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.stream.Collectors.counting()));
    }

    @Test
    void oneQueryClientsSpreadOverTwoReplicasBecauseLoginsDoNotMoveTheTurn() throws Exception {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b"), replica("c")));
        assertThat(firstChoicesOfOneQueryClients(router)).containsOnly(Map.entry("b", 5L), Map.entry("c", 5L));
    }

    @Test
    void oneQueryClientsSpreadOverThreeReplicas() throws Exception {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b"), replica("c"), replica("d")));
        assertThat(firstChoicesOfOneQueryClients(router).values()).containsExactlyInAnyOrder(4L, 3L, 3L);
    }

    @Test
    void everyPieceOfWorkTakesTheNextReplicaAndTheOthersFollowAsFallbacks() throws Exception {
        Router router = router(false);
        router.onTopology(topology("a", primary("a", 2), replica("b"), replica("c"), replica("d")));
        assertThat(names(router.candidates(ListenerRole.REPLICA))).containsExactly("b", "c", "d");
        assertThat(names(router.candidates(ListenerRole.REPLICA))).containsExactly("c", "d", "b");
        assertThat(names(router.candidatesForLogin(ListenerRole.REPLICA))).containsExactly("d", "b", "c");
        assertThat(names(router.candidates(ListenerRole.REPLICA))).containsExactly("d", "b", "c");
    }
}
