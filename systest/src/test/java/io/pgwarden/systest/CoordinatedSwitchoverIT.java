package io.pgwarden.systest;

import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinated switchover: the routers drain the old primary before it is stopped, so that under a
 * write load through the router's primary port (transaction mode, each write bounded by a 1 s statement
 * timeout) ten switchovers back and forth fail no write, lose none, and pause writes briefly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CoordinatedSwitchoverIT {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatedSwitchoverIT.class);
    private static final int SWITCHOVERS = 10;
    private static final int WRITERS = 4;

    private static AgentCluster<EtcdServer> cluster;
    private static long idBase = 1;

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("switchover"));
        cluster.startRouterAndTable();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void tenSwitchoversUnderWriteLoadFailNoTransactionAndLoseNone() throws Exception {
        List<WriteLoad> loads = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            loads.add(new WriteLoad("w" + i, cluster.routerUrl(ListenerRole.PRIMARY), nextIdBase(), Duration.ofSeconds(1)).start());
        }
        List<long[]> windows = new ArrayList<>();
        String leader = cluster.awaitLeader(Duration.ofSeconds(30));
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            for (int i = 0; i < SWITCHOVERS; i++) {
                cluster.awaitHealthy(Duration.ofSeconds(60));
                awaitAcks(loads, Duration.ofSeconds(10));
                String candidate = cluster.syncStandby();
                long sent = System.nanoTime();
                HttpResponse<String> answer = cluster.switchover(leader, candidate);
                long answered = System.nanoTime();
                LOG.info("switchover {} {} -> {}: {} {} in {} ms", i + 1, leader, candidate, answer.statusCode(),
                        answer.body().strip(), (answered - sent) / 1_000_000);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(cluster.awaitLeader(Duration.ofSeconds(10))).isEqualTo(candidate);
                windows.add(new long[] {sent, answered});
                leader = candidate;
            }
            cluster.awaitHealthy(Duration.ofSeconds(60));
            awaitAcks(loads, Duration.ofSeconds(10));
            for (WriteLoad load : loads) {
                load.close();
            }
            LOG.info("leader key during the switchovers:\n{}", history.describe());
            long holders = history.changes().stream().filter(c -> c.holder().isPresent()).count();
            assertThat(holders).as("one new holder per switchover (and the first read)").isEqualTo(SWITCHOVERS + 1);
        }

        List<WriteLoad.Attempt> failed = loads.stream().flatMap(l -> l.attempts().stream()).filter(a -> !a.acked()).toList();
        assertThat(failed).as("writes that failed through the router").isEmpty();

        Set<Long> onLeader = AgentCluster.idsOn(cluster.node(leader));
        List<Long> lost = loads.stream().flatMap(l -> l.acked().stream()).map(WriteLoad.Attempt::id)
                .filter(id -> !onLeader.contains(id)).toList();
        assertThat(lost).as("acknowledged writes missing on the final leader " + leader).isEmpty();

        List<Long> pauses = new ArrayList<>();
        for (long[] w : windows) {
            pauses.add(longestGap(loads, w[0], w[1]));
        }
        List<Long> sorted = pauses.stream().sorted().toList();
        long median = (sorted.get(SWITCHOVERS / 2 - 1) + sorted.get(SWITCHOVERS / 2)) / 2;
        LOG.info("write pauses per switchover (ms): {}; median {} ms; {} writes acknowledged", pauses, median,
                loads.stream().mapToInt(WriteLoad::ackedCount).sum());
        assertThat(median).as("median write pause over %d switchovers, ms: %s", SWITCHOVERS, pauses).isLessThanOrEqualTo(500);
    }

    /** The longest time without an acknowledged write (any writer) from {@code from} to {@code to}. */
    private static long longestGap(List<WriteLoad> loads, long from, long to) {
        List<Long> done = loads.stream().flatMap(l -> l.acked().stream()).map(WriteLoad.Attempt::doneNanos)
                .sorted(Comparator.naturalOrder()).toList();
        long previous = from;
        long longest = 0;
        for (long at : done) {
            if (at < from) {
                continue;
            }
            longest = Math.max(longest, at - previous);
            previous = at;
            if (at > to) {
                break;
            }
        }
        return longest / 1_000_000;
    }

    private static void awaitAcks(List<WriteLoad> loads, Duration timeout) {
        List<Integer> before = loads.stream().map(WriteLoad::ackedCount).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < loads.size(); i++) {
            while (loads.get(i).ackedCount() <= before.get(i) + 3) {
                assertThat(System.nanoTime()).as("writer " + i + " makes progress").isLessThan(deadline);
                sleep(20);
            }
        }
    }

    private static long nextIdBase() {
        long base = idBase;
        idBase += 10_000_000;
        return base;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
