package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.local.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.awaitility.Awaitility.await;

/**
 * Every ctl command against pgwarden agents (their keys, their YAML for -c, their REST control
 * endpoints): the read-only ones, edit-config, switchover (now, scheduled, cancelled), failover,
 * restart, reload, reinit, pause (a crashed leader is then left alone) and resume, and remove. One
 * cluster for all; each test leaves it healthy for the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class CtlAgentIT {

    private static final String SCOPE = "ctlagents";

    private static AgentCluster<EtcdServer> cluster;
    private static List<String> connection;
    private static String leader;
    private static final Logger LOG = LoggerFactory.getLogger(CtlAgentIT.class);
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults(SCOPE));
        leader = cluster.awaitLeader(Duration.ofSeconds(30));
        connection = List.of("--etcd", cluster.etcd.clientUrl(), "--scope", SCOPE);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CtlRun ctl(String stdin, List<String> options, String... args) {
        return CtlRun.of(stdin, options, args);
    }

    private static CtlRun ctl(String... args) {
        return ctl("", connection, args);
    }

    @BeforeEach
    void healthy() {
        cluster.awaitHealthy(Duration.ofSeconds(90));
    }

    private static String currentLeader() {
        return cluster.leader().orElseThrow();
    }

    /** The synchronous standby: with synchronous_mode on, the only member a switchover may go to. */
    private static String syncStandby() {
        return new PatroniJson().readSync(cluster.etcd.get(cluster.keys.sync()).orElseThrow()).syncStandbys().get(0);
    }

    /** A replica that is not the synchronous standby. */
    private static String asyncReplica() {
        String leader = currentLeader();
        String sync = syncStandby();
        return cluster.agents.nodes().stream().map(AgentProcess::name).filter(n -> !n.equals(leader) && !n.equals(sync))
                .findFirst().orElseThrow();
    }

    private static Instant postmasterStart(AgentProcess node) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_postmaster_start_time()")) {
            r.next();
            return r.getTimestamp(1).toInstant();
        }
    }

    private static boolean inRecovery(AgentProcess node) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    private static boolean switchoverScheduled() {
        return cluster.etcd.get(cluster.keys.failover()).flatMap(v -> new PatroniJson().readFailover(v))
                .map(f -> f.scheduledAt() != null).orElse(false);
    }

    private String config() {
        return cluster.etcd.get(cluster.keys.config()).orElseThrow();
    }

    @Test
    @Order(1)
    void listShowsTheAgentsMembers() throws Exception {
        CtlRun run = ctl("list", "--format", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode rows = json.readTree(run.out());
        assertThat(rows).hasSize(3);
        for (JsonNode row : rows) {
            AgentProcess node = cluster.node(row.get("Member").asText());
            assertThat(row.get("Host").asText()).isEqualTo("127.0.0.1:" + node.pgPort());
            if (node.name().equals(leader)) {
                assertThat(row.get("Role").asText()).isEqualTo("Leader");
            } else {
                assertThat(row.get("Role").asText()).isIn("Sync Standby", "Replica");
            }
            assertThat(row.get("State").asText()).isEqualTo("running");
            assertThat(row.get("TL").asInt()).isEqualTo(1);
        }
        // synchronous_mode is on in the fixture: the sync key names one replica
        assertThat(rows.findValuesAsText("Role")).containsOnlyOnce("Leader").contains("Sync Standby");
    }

    @Test
    @Order(2)
    void listAndTopologyFromTheAgentsOwnYaml() {
        List<String> fromYaml = List.of("-c", cluster.node(leader).config().toString());
        CtlRun list = ctl("", fromYaml, "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).startsWith("+ Cluster: " + SCOPE + " (");

        CtlRun topology = ctl("", fromYaml, "topology", "--format", "tsv");
        assertThat(topology.exit()).as(topology.toString()).isZero();
        List<String> lines = topology.out().lines().skip(1).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith(SCOPE + "\t" + leader + "\t");
        assertThat(lines.subList(1, 3)).allMatch(l -> l.contains("\t+ "));
    }

    @Test
    @Order(3)
    void historyOfAFreshClusterIsEmpty() {
        CtlRun run = ctl("history", "--format", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("[]\n");
    }

    @Test
    @Order(4)
    void showAndEditConfig() {
        CtlRun show = ctl("show-config");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.out()).contains("ttl: 10\n").contains("loop_wait: 2\n").contains("retry_timeout: 3\n");

        CtlRun invalid = ctl("edit-config", "--set", "ttl=5", "--force");
        assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(invalid.err()).contains("2 + 2 * 3 = 8 > 5");
        assertThat(config()).contains("\"ttl\":10");

        CtlRun dryRun = ctl("edit-config", "--set", "maximum_lag_on_failover=2097152", "--dry-run");
        assertThat(dryRun.exit()).as(dryRun.toString()).isZero();
        assertThat(dryRun.out()).contains("+maximum_lag_on_failover: 2097152");
        assertThat(config()).doesNotContain("2097152");

        CtlRun run = ctl("edit-config", "--set", "maximum_lag_on_failover=2097152", "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(config()).contains("\"maximum_lag_on_failover\":2097152").contains("\"ttl\":10")
                .contains("\"synchronous_mode\"");
    }

    @Test
    @Order(5)
    void switchoverFromTheLeaderToTheCandidate() throws Exception {
        String from = currentLeader();
        String to = syncStandby();
        CtlRun run = ctl("switchover", "--leader", from, "--candidate", to, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Successfully switched over to \"" + to + "\"");
        assertThat(cluster.leader()).contains(to);
        assertThat(inRecovery(cluster.node(to))).isFalse();

        CtlRun wrongLeader = ctl("switchover", "--leader", from, "--force");
        assertThat(wrongLeader.exit()).as(wrongLeader.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(wrongLeader.err()).contains("member " + from + " is not the leader");
    }

    @Test
    @Order(6)
    void failoverToTheCandidate() throws Exception {
        String from = currentLeader();
        String to = syncStandby();
        CtlRun run = ctl("failover", "--candidate", to, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Successfully failed over to \"" + to + "\"");
        assertThat(cluster.leader()).contains(to);
        assertThat(inRecovery(cluster.node(to))).isFalse();
        assertThat(from).isNotEqualTo(to);
    }

    @Test
    @Order(7)
    void aScheduledSwitchoverCanBeCancelled() {
        String from = currentLeader();
        String later = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(30).truncatedTo(ChronoUnit.SECONDS).toString();
        CtlRun scheduled = ctl("switchover", "--candidate", syncStandby(), "--scheduled", later, "--force");
        assertThat(scheduled.exit()).as(scheduled.toString()).isZero();
        assertThat(scheduled.out()).contains("Switchover scheduled");
        assertThat(switchoverScheduled()).isTrue();
        assertThat(ctl("list").out()).contains("Switchover scheduled");

        CtlRun flush = ctl("flush", "switchover", "--force");
        assertThat(flush.exit()).as(flush.toString()).isZero();
        assertThat(flush.out()).contains("Success: scheduled switchover of cluster " + SCOPE + " deleted (by member "
                + from + ")");
        assertThat(switchoverScheduled()).isFalse();
        assertThat(cluster.leader()).contains(from);

        CtlRun again = ctl("flush", "switchover", "--force");
        assertThat(again.exit()).as(again.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(again.err()).contains("cluster " + SCOPE + " has no scheduled switchover");
    }

    @Test
    @Order(8)
    void aScheduledSwitchoverHappensOnTime() {
        String from = currentLeader();
        String to = syncStandby();
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(6).truncatedTo(ChronoUnit.SECONDS);
        CtlRun scheduled = ctl("switchover", "--leader", from, "--candidate", to, "--scheduled", at.toString(), "--force");
        assertThat(scheduled.exit()).as(scheduled.toString()).isZero();
        assertThat(scheduled.out()).contains("Switchover scheduled");
        assertThat(cluster.leader()).contains(from);

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.leader().orElse("").equals(to));
        assertThat(Instant.now()).isAfterOrEqualTo(at.toInstant().minusSeconds(1));
        // The new leader clears the request once it has promoted itself.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> !switchoverScheduled());
    }

    @Test
    @Order(9)
    void restartRestartsPostgresqlOnTheMember() throws Exception {
        String name = currentLeader();
        AgentProcess node = cluster.node(name);
        Instant before = postmasterStart(node);
        CtlRun run = ctl("restart", name, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Success: restart on member " + name);
        assertThat(postmasterStart(node)).isAfter(before);
        assertThat(cluster.leader()).contains(name); // a restart is not a failover
    }

    @Test
    @Order(10)
    void reloadAsksEveryMember() {
        CtlRun run = ctl("reload", "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        for (AgentProcess node : cluster.agents.nodes()) {
            assertThat(run.out()).containsPattern("(Reload requested on|No changes to apply on) member " + node.name());
        }
    }

    @Test
    @Order(11)
    void reinitRebuildsAReplica() throws Exception {
        String name = asyncReplica();
        Path marker = cluster.node(name).dataDir().resolve("pgwarden-test-marker");
        Files.writeString(marker, "this file goes with the old data directory");
        CtlRun onLeader = ctl("reinit", currentLeader(), "--force");
        assertThat(onLeader.exit()).as(onLeader.toString()).isEqualTo(ExitCodes.FAILED);

        CtlRun run = ctl("reinit", name, "--force", "--wait");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Success: reinitialize started on member " + name)
                .contains("Reinitialize done on member " + name);
        assertThat(marker).doesNotExist();
    }

    @Test
    @Order(12)
    void pauseLeavesACrashedLeaderAloneAndResumeHealsIt() throws Exception {
        String old = currentLeader();
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            CtlRun pause = ctl("pause", "--wait");
            assertThat(pause.exit()).as(pause.toString()).isZero();
            assertThat(pause.out()).contains("Success: cluster " + SCOPE + " is paused");
            assertThat(ctl("list").out()).contains("Maintenance mode: on");
            assertThat(ctl("pause").exit()).isEqualTo(ExitCodes.FAILED); // already paused

            cluster.node(old).crashPostgres();
            // ttl 10 s, loop_wait 2 s: a leader key left alone expires in 10 s and a replica would
            // take it within one loop after that.
            Thread.sleep(15_000);
            LOG.info("leader key while paused:\n{}", history.describe());
            assertThat(history.holders()).as("nobody but the old leader holds the key").containsExactly(old);
            for (AgentProcess node : cluster.agents.nodes()) {
                if (!node.name().equals(old)) {
                    assertThat(inRecovery(node)).as(node.name() + " is not promoted").isTrue();
                }
            }
            assertThat(cluster.node(old).postmaster()).as("not restarted while paused").isEmpty();

            CtlRun resume = ctl("resume", "--wait");
            assertThat(resume.exit()).as(resume.toString()).isZero();
            assertThat(resume.out()).contains("Success: cluster " + SCOPE + " is resumed");
            cluster.awaitHealthy(Duration.ofSeconds(90));
        }
    }

    @Test
    @Order(20)
    void removeDeletesTheClustersKeys() {
        for (AgentProcess node : cluster.agents.nodes()) {
            node.terminate();
        }
        for (AgentProcess node : cluster.agents.nodes()) {
            assertThat(node.awaitExit(Duration.ofSeconds(30))).as(node.name() + " stopped").isTrue();
        }
        CtlRun declined = ctl(SCOPE + "\nno\n", connection, "remove", SCOPE);
        assertThat(declined.exit()).as(declined.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(cluster.etcd.get(cluster.keys.config())).isPresent();

        CtlRun run = ctl("remove", SCOPE, "--yes-i-am-aware");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(cluster.etcd.get(cluster.keys.config())).isEmpty();
        assertThat(cluster.etcd.get(cluster.keys.initialize())).isEmpty();
        assertThat(ctl("list").exit()).isEqualTo(ExitCodes.FAILED);
    }
}
