package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.agent.local.NodePlacement;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import io.pgwarden.router.routing.ListenerRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's node cut off from etcd while its clients still reach its PostgreSQL: etcd in a network
 * namespace, node1 (agent and PostgreSQL) in another, node2, node3, the router and the test in the root
 * namespace (see {@link NetworkLab}). Taking node1's link to etcd down is the partition; nothing else
 * changes, so replicas keep streaming from node1 and writers keep reaching it — only the agent's loss of
 * the lease may stop it from acknowledging. synchronous_mode on, ttl 10 s, loop_wait 2 s, retry_timeout 3 s.
 */
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class PartitionIT {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionIT.class);
    private static final LocalCluster.Options OPTIONS = LocalCluster.Options.defaults("partition");
    private static final Duration TTL = Duration.ofSeconds(OPTIONS.ttl());
    private static final String ISOLATED = "node1";

    @Test
    void aLeaderCutOffFromEtcdStopsAcknowledgingWithinTtlAndRejoinsAsAReplicaAfterTheHeal() throws Exception {
        NetworkLab lab;
        try {
            lab = NetworkLab.create();
        } catch (NetworkLab.Unavailable e) {
            System.out.println("PartitionIT skipped: " + e.getMessage());
            Assumptions.abort("no network namespaces here: " + e.getMessage());
            return;
        }
        try (lab; AgentCluster<EtcdServer> cluster = startInLab(lab)) {
            run(lab, cluster);
        }
    }

    /** etcd in the dcs namespace, node1 in its own, node2 and node3 beside the test; node1 bootstraps alone. */
    private static AgentCluster<EtcdServer> startInLab(NetworkLab lab) throws Exception {
        EtcdServer etcd = EtcdServer.start(new EtcdServer.Options(List.of(lab.dcsForRoot(), lab.dcsForNode()),
                lab.inDcs()));
        List<String> pgHba = List.of(
                "local all all trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host replication all 127.0.0.1/32 scram-sha-256",
                "host all all " + lab.cidr() + " scram-sha-256",
                "host replication all " + lab.cidr() + " scram-sha-256");
        NodePlacement isolated = new NodePlacement(lab.nodeAddress(), List.of(etcd.clientUrls().get(1)), lab.inNode(),
                pgHba);
        NodePlacement beside = new NodePlacement(lab.rootAddress(), List.of(etcd.clientUrls().get(0)), List.of(),
                pgHba);
        Path dir;
        LocalCluster agents;
        try {
            dir = AgentCluster.newDir();
            agents = LocalCluster.create(dir, OPTIONS, FreePorts::next,
                    name -> name.equals(ISOLATED) ? isolated : beside);
        } catch (Exception | Error e) {
            etcd.close();
            throw e;
        }
        AgentCluster<EtcdServer> cluster = AgentCluster.of(etcd, agents, dir);
        try {
            cluster.node(ISOLATED).start();
            await("node1 bootstraps and takes the key").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(() -> cluster.leader().orElse(""), ISOLATED::equals);
            cluster.node("node2").start();
            cluster.node("node3").start();
            cluster.awaitHealthy(Duration.ofSeconds(150));
            cluster.startRouter();
            try (Connection c = AgentCluster.connect(cluster.node(ISOLATED))) {
                WriteLoad.createTable(c);
            }
        } catch (Exception | Error e) {
            cluster.dumpLogs();
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static void run(NetworkLab lab, AgentCluster<EtcdServer> cluster) throws Exception {
        assertThat(cluster.leader()).as("leader at the cut").hasValue(ISOLATED);
        AgentProcess old = cluster.node(ISOLATED);
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            WriteLoad viaRouter = new WriteLoad("router", cluster.routerUrl(ListenerRole.PRIMARY), 1,
                    Duration.ofSeconds(5)).start();
            WriteLoad direct = new WriteLoad("direct", AgentCluster.nodeUrl(old), 10_000_001, Duration.ofSeconds(2))
                    .start();
            try {
                scenario(lab, cluster, history, viaRouter, direct);
            } catch (Exception | Error e) {
                cluster.dumpLogs();
                throw e;
            } finally {
                viaRouter.close();
                direct.close();
                LOG.info("leader key during the partition:\n{}", history.describe());
            }
        }
    }

    private static void scenario(NetworkLab lab, AgentCluster<EtcdServer> cluster, LeaderKeyHistory history, WriteLoad viaRouter,
                                 WriteLoad direct) throws Exception {
        await("writes acknowledged before the cut").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> viaRouter.ackedCount() > 20 && direct.ackedCount() > 20);
        lab.cutNodeFromDcs();
        long cutAt = System.nanoTime();

        String next = await("a new leader").atMost(TTL.plusSeconds(20)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> cluster.leader().orElse(ISOLATED), l -> !l.equals(ISOLATED));
        LOG.info("{} took over {} ms after the cut", next, (System.nanoTime() - cutAt) / 1_000_000);
        assertThat(next).isIn("node2", "node3");
        // Keep writing to node1 for a while past cut + ttl: that is where a late acknowledgement would show.
        long writeUntil = cutAt + TTL.plusSeconds(8).toNanos();
        await("writes through the router after the failover").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> System.nanoTime() > writeUntil && viaRouter.acked().stream().anyMatch(a -> a.sentNanos() > writeUntil));

        lab.healNodeToDcs();
        long healAt = System.nanoTime();
        await("node1 streams from " + next).atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> streamsFrom(cluster.node(next), ISOLATED));
        LOG.info("node1 streams from {} {} ms after the heal", next, (System.nanoTime() - healAt) / 1_000_000);
        cluster.awaitHealthy(Duration.ofSeconds(90));
        Thread.sleep(TTL.toMillis()); // node1 has had a few loops to try to take the key back
        viaRouter.close();
        direct.close();

        assertThat(cluster.leader()).hasValue(next);
        assertThat(history.holders()).as("node1 never holds the key again").containsExactly(ISOLATED, next);

        long deadline = cutAt + TTL.toNanos();
        List<WriteLoad.Attempt> late = direct.acked().stream().filter(a -> a.sentNanos() > deadline && !a.localOnly())
                .toList();
        long localOnly = direct.acked().stream().filter(WriteLoad.Attempt::localOnly).count();
        long lateLocalOnly = direct.acked().stream().filter(a -> a.sentNanos() > deadline && a.localOnly()).count();
        long lastDirectAckMillis = direct.acked().stream().mapToLong(WriteLoad.Attempt::sentNanos).max()
                .orElse(cutAt) / 1_000_000 - cutAt / 1_000_000;
        LOG.info("partition: router {} acked, direct {} acked ({} committed locally only, {} of them sent after cut + ttl),"
                        + " last direct ack sent {} ms after the cut, {} direct acks sent after cut + ttl",
                viaRouter.ackedCount(), direct.ackedCount(), localOnly, lateLocalOnly, lastDirectAckMillis, late.size());
        assertThat(late).as("writes node1 acknowledged (directly) that were sent more than ttl after the cut").isEmpty();

        Set<Long> present = AgentCluster.idsOn(cluster.node(next));
        assertThat(viaRouter.acked().stream().map(WriteLoad.Attempt::id).filter(id -> !present.contains(id)).toList())
                .as("ids acknowledged through the router missing on the final leader " + next).isEmpty();
        assertThat(direct.acked().stream().filter(a -> !a.localOnly()).map(WriteLoad.Attempt::id)
                .filter(id -> !present.contains(id)).toList())
                .as("ids node1 acknowledged directly missing on the final leader " + next).isEmpty();
    }

    /** Whether {@code replica} is streaming from {@code leader}, as the leader's pg_stat_replication says. */
    private static boolean streamsFrom(AgentProcess leader, String replica) throws Exception {
        try (Connection c = AgentCluster.connect(leader);
             PreparedStatement s = c.prepareStatement(
                     "SELECT count(*) FROM pg_stat_replication WHERE application_name = ? AND state = 'streaming'")) {
            s.setString(1, replica);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1) == 1;
            }
        }
    }
}
