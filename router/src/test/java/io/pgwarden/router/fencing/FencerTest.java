package io.pgwarden.router.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.PoolSettings;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingSettings;
import io.pgwarden.router.session.ClientRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Which nodes' pools the fencer closes on a topology change. The pools are real but never open a
 * connection: a node's pool exists once asked for, and a fenced node's pool is forgotten.
 */
class FencerTest {

    private static final long MAX_LAG = 1 << 20;

    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ServerPools pools = new ServerPools(new ServerConnector(NioSocketChannel.class, Duration.ofSeconds(1)),
            loops, key -> new PoolSettings(0, 2, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofSeconds(5), ""));
    private final Router router = new Router(new RoutingSettings(false, MAX_LAG, true, Duration.ofSeconds(5)),
            new RouterMetrics());
    private final Fencer fencer = new Fencer(router, new ClientRegistry(), pools);

    @AfterEach
    void close() throws Exception {
        pools.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static Member member(String name, Role role, long lagBytes) {
        return new Member(name, "127.0.0.1", 5432, role, "running", 2, 0, lagBytes, Map.of(), Optional.empty());
    }

    private void apply(String leader, Member... members) {
        Topology topology = new Topology("demo", Optional.ofNullable(leader), List.of(members), false, false, true);
        // The order the router's listeners run in: the router first, then the fencer.
        router.onTopology(topology);
        fencer.onTopology(topology);
    }

    private void poolsFor(String... nodes) {
        for (String node : nodes) {
            pools.pool(new PoolKey(node, "127.0.0.1", 5432, "app", "alice"));
        }
    }

    private List<String> nodesWithPools() {
        return pools.stats().stream().map(PoolStats::key).map(PoolKey::node).sorted().toList();
    }

    @Test
    void theFirstTopologyFencesNothing() {
        poolsFor("a", "b");
        apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0));
        assertThat(nodesWithPools()).containsExactly("a", "b");
    }

    @Test
    void aReplicaFallingBehindMaxLagLosesItsPools() {
        apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0), member("c", Role.REPLICA, 0));
        poolsFor("a", "b", "c");
        apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, MAX_LAG + 1), member("c", Role.REPLICA, 0));
        assertThat(nodesWithPools()).containsExactly("a", "c");
    }

    @Test
    void aLeaderThatLosesTheKeyAndIsNoReplicaLosesItsPools() {
        apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0));
        poolsFor("a", "b");
        // a crashed: b was promoted; a is no longer listed as running.
        apply("b", member("b", Role.PRIMARY, 0));
        assertThat(nodesWithPools()).containsExactly("b");
    }

    @Test
    void anOldLeaderThatRejoinedAsAReadableReplicaKeepsItsPools() {
        apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0));
        poolsFor("a", "b");
        apply("b", member("a", Role.REPLICA, 0), member("b", Role.PRIMARY, 0));
        assertThat(nodesWithPools()).containsExactly("a", "b");
    }

    @Test
    void aChangeIsLoggedOnceAndAnUnchangedTopologyNotAtAll() {
        Logger logger = (Logger) LoggerFactory.getLogger(Fencer.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0));
            apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, 0));
            assertThat(appender.list).isEmpty();
            apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, MAX_LAG + 1));
            apply("a", member("a", Role.PRIMARY, 0), member("b", Role.REPLICA, MAX_LAG + 1));
            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("fenced [b] in cluster demo: node left the set of usable servers");
        } finally {
            logger.detachAppender(appender);
        }
    }
}
