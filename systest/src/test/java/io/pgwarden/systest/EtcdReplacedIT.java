package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.router.routing.ListenerRole;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd wiped or replaced by a new, empty one at the same address (revisions from 1 again, a new
 * cluster id): the agents write their keys again without a failover, and the router follows.
 */
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class EtcdReplacedIT {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdReplacedIT.class);
    private static AgentCluster<EtcdServer> cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("replaced"));
        cluster.startRouterAndTable();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReplacedEtcdIsRefilledWithoutFailoverAndTheRouterFollows() throws Exception {
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        AgentProcess leaderNode = cluster.node(leader);
        long postmaster = leaderNode.postmaster().orElseThrow().pid();
        long timeline = timeline(leaderNode.pgPort());
        String initialize = cluster.etcd.get(cluster.keys.initialize()).orElseThrow();
        WriteLoad load = new WriteLoad("router", cluster.routerUrl(ListenerRole.PRIMARY), 1, Duration.ofSeconds(5)).start();
        Thread.sleep(2000);

        long replacedAt = System.nanoTime();
        cluster.etcd = cluster.etcd.replaceWithEmpty();
        assertThat(cluster.etcd.get(cluster.keys.leader())).isEmpty();

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> cluster.leader().isPresent());
        long keyBackMillis = (System.nanoTime() - replacedAt) / 1_000_000;
        assertThat(cluster.leader()).as("the same leader, no failover").hasValue(leader);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            for (AgentProcess node : cluster.agents.nodes()) {
                assertThat(cluster.etcd.get(cluster.keys.member(node.name()))).isPresent();
            }
            assertThat(cluster.etcd.get(cluster.keys.config())).isPresent();
            assertThat(cluster.etcd.get(cluster.keys.initialize())).hasValue(initialize);
            assertThat(cluster.etcd.get(cluster.keys.history())).isPresent();
        });
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> load.acked().stream().anyMatch(a -> a.sentNanos() > System.nanoTime() - 1_000_000_000L));
        long routerBackMillis = (System.nanoTime() - replacedAt) / 1_000_000;
        Thread.sleep(1000);
        load.close();
        cluster.awaitHealthy(Duration.ofSeconds(60));

        LOG.info("etcd replaced: leader key back after {} ms, writes through the router flowing again after {} ms, "
                + "longest write gap {} ms", keyBackMillis, routerBackMillis, load.longestGapMillis());
        assertThat(leaderNode.postmaster().orElseThrow().pid()).as("the leader's PostgreSQL never restarted").isEqualTo(postmaster);
        assertThat(timeline(leaderNode.pgPort())).as("no promotion anywhere").isEqualTo(timeline);
        Set<Long> present = AgentCluster.idsOn(leaderNode.pgPort());
        List<Long> missing = load.acked().stream().map(WriteLoad.Attempt::id).filter(id -> !present.contains(id)).toList();
        assertThat(missing).isEmpty();
    }

    private static long timeline(int port) throws Exception {
        try (Connection c = AgentCluster.connect(port); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
            r.next();
            return r.getLong(1);
        }
    }
}
