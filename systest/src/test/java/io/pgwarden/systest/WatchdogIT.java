package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog, against a stand-in device (these machines have no kernel watchdog): every agent runs
 * with {@code watchdog.mode: required}; only the leader arms its device, feeds it while its lease is
 * valid, and a leader whose agent hangs gets its node reset once ttl - safety_margin has passed —
 * before its key can expire.
 */
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class WatchdogIT {

    private static final Logger LOG = LoggerFactory.getLogger(WatchdogIT.class);
    private static final Duration TTL = Duration.ofSeconds(10);
    private static final int SAFETY_MARGIN = 5;

    @Test
    void aHungLeaderIsResetBeforeItsKeyCanExpireAndOnlyTheLeaderArms() throws Exception {
        Path dir = AgentCluster.newDir();
        EtcdServer etcd = EtcdServer.start();
        LocalCluster agents = LocalCluster.create(dir, List.of(etcd.clientUrl()), LocalCluster.Options.defaults("watchdog"),
                FreePorts::next);
        AgentCluster<EtcdServer> cluster = AgentCluster.of(etcd, agents, dir);
        Map<String, StandInWatchdog> devices = new HashMap<>();
        try {
            for (AgentProcess node : agents.nodes()) {
                StandInWatchdog device = new StandInWatchdog(dir.resolve(node.name() + ".watchdog"),
                        TTL.minusSeconds(SAFETY_MARGIN), node::crash);
                devices.put(node.name(), device);
                Files.writeString(node.config(), "watchdog:\n  mode: required\n  device: " + device.device()
                        + "\n  safety_margin: " + SAFETY_MARGIN + "\n", StandardOpenOption.APPEND);
            }
            agents.startAll();
            cluster.awaitHealthy(Duration.ofSeconds(120));
            String leader = cluster.awaitLeader(Duration.ofSeconds(10));

            Thread.sleep(TTL.toMillis()); // a healthy leader keeps feeding it: nothing fires
            assertThat(devices.get(leader).armed()).isTrue();
            devices.forEach((name, device) -> {
                assertThat(device.firedAtNanos()).as(name + " fired while healthy").isZero();
                if (!name.equals(leader)) {
                    assertThat(device.everArmed()).as(name + " is no leader and must not arm").isFalse();
                }
            });

            LeaderKeyHistory history = new LeaderKeyHistory(etcd.clientUrl(), cluster.keys.leader());
            long frozenAt = System.nanoTime();
            cluster.node(leader).freeze();
            await().atMost(TTL).pollInterval(Duration.ofMillis(50)).until(() -> devices.get(leader).firedAtNanos() != 0);
            long firedAfterMillis = (devices.get(leader).firedAtNanos() - frozenAt) / 1_000_000;
            assertThat(cluster.node(leader).postmaster()).as("the hung leader's node was reset").isEmpty();
            String next = await().atMost(TTL.plusSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.leader().orElse(leader), l -> !l.equals(leader));
            long keyLostMillis = (history.lostAt(leader).orElseThrow() - frozenAt) / 1_000_000;
            LOG.info("watchdog: hung leader {} reset {} ms after the freeze; its key ended {} ms after it; {} leads now",
                    leader, firedAfterMillis, keyLostMillis, next);
            assertThat(firedAfterMillis).as("reset before the key could expire").isLessThan(keyLostMillis);
            await().atMost(Duration.ofSeconds(20)).until(() -> devices.get(next).armed());
            history.close();
        } finally {
            devices.values().forEach(StandInWatchdog::close);
            cluster.close();
        }
    }
}
