package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.ClusterConfig;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.local.EtcdServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operating the cluster through its {@code config} key, written here straight into etcd as
 * {@code patronictl edit-config} would: callbacks, parameters on every node, pause. One cluster (three
 * agents as processes, ttl 10 s) for the class; every node's callback script appends its arguments to a
 * file of that node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PauseAndDynamicConfigIT {

    private static final Logger LOG = LoggerFactory.getLogger(PauseAndDynamicConfigIT.class);
    private static final Duration TTL = Duration.ofSeconds(10);
    private static final String SCOPE = "dynamic";

    private static Path scripts;
    private static AgentCluster<EtcdServer> cluster;
    private static Client etcd;
    private static final PatroniJson JSON = new PatroniJson();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws Exception {
        scripts = AgentCluster.newDir();
        Path script = scripts.resolve("record.sh");
        // $1 is the node's name (from the command line), then action, role, scope as the agent passes them.
        Files.writeString(script, "#!/bin/sh\nnode=$1\nshift\necho \"$*\" >> " + scripts + "/$node.calls\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String line = script + " {name}";
        cluster = AgentCluster.start(LocalCluster.Options.defaults(SCOPE).withCallbacks(Map.of(
                "on_start", line, "on_stop", line, "on_restart", line, "on_role_change", line)));
        etcd = Client.builder().endpoints(cluster.etcd.clientUrl()).build();
    }

    @AfterAll
    static void stop() throws IOException {
        if (etcd != null) {
            etcd.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (scripts != null) {
            try (var files = Files.walk(scripts)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void everyNodeRanItsOnStartCallbackWithItsRoleAndTheScope() {
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        for (AgentProcess node : cluster.agents.nodes()) {
            String role = node.name().equals(leader) ? "master" : "replica";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(calls(node)).as(node.name()).contains("on_start " + role + " " + SCOPE));
        }
    }

    @Test
    @Order(2)
    void parametersFromTheConfigKeyReachEveryNodeAndRestartOnlyOnesArePendingRestart() throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        editParameters(p -> {
            p.put("work_mem", "7MB");
            p.put("max_connections", 123);
            return p;
        });
        long started = System.nanoTime();
        for (AgentProcess node : cluster.agents.nodes()) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(show(node, "work_mem")).as(node.name()).isEqualTo("7MB"));
        }
        LOG.info("work_mem = 7MB on every node {} ms after the config key changed", (System.nanoTime() - started) / 1_000_000);
        for (AgentProcess node : cluster.agents.nodes()) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(member(node).pendingRestart()).as(node.name() + "'s member key").isTrue();
                        assertThat(rest(node, "/patroni")).as(node.name() + "'s /patroni").contains("\"pending_restart\":true");
                    });
            assertThat(show(node, "max_connections")).as("not restarted for it").isEqualTo("100");
        }

        editParameters(p -> {
            p.put("max_connections", 100); // back to what runs: nothing pending any more
            return p;
        });
        for (AgentProcess node : cluster.agents.nodes()) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(member(node).pendingRestart()).as(node.name()).isFalse());
        }
    }

    @Test
    @Order(3)
    void pauseStopsAutomaticFailoverAndResumeHealsTheCluster() throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        String old = cluster.awaitLeader(Duration.ofSeconds(10));
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            editConfig(c -> withPause(c, true));
            for (AgentProcess node : cluster.agents.nodes()) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .untilAsserted(() -> {
                            assertThat(member(node).pause()).as(node.name() + "'s member key").isTrue();
                            assertThat(rest(node, "/patroni")).contains("\"pause\":true");
                            assertThat(rest(node, "/cluster")).contains("\"pause\":true");
                        });
            }

            cluster.node(old).crashPostgres();
            long crashedAt = System.nanoTime();
            Thread.sleep(TTL.multipliedBy(2).plusSeconds(3).toMillis());

            LOG.info("leader key while paused:\n{}", history.describe());
            assertThat(history.holders()).as("nobody but the old leader ever holds the key").containsExactly(old);
            assertThat(cluster.node(old).postmaster()).as("the crashed PostgreSQL is not restarted in pause").isEmpty();
            for (AgentProcess node : cluster.agents.nodes()) {
                if (!node.name().equals(old)) {
                    assertThat(inRecovery(node)).as(node.name() + " is not promoted").isTrue();
                }
            }
            assertThat(Files.readString(cluster.node(old).log())).contains("paused");
            LOG.info("{} s after the crash: nobody promoted, {} not restarted", (System.nanoTime() - crashedAt) / 1_000_000_000,
                    old);

            editConfig(c -> withPause(c, false));
            cluster.awaitHealthy(Duration.ofSeconds(90));
        }
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        try (Connection c = AgentCluster.connect(cluster.node(leader)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS after_pause (id int)");
            s.execute("INSERT INTO after_pause VALUES (1)");
        }
        for (AgentProcess node : cluster.agents.nodes()) {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(member(node).pause()).isFalse());
        }
    }

    @Test
    @Order(4)
    void theNewLeaderRanOnRoleChangeAsMaster() {
        String leader = cluster.awaitLeader(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> calls = calls(cluster.node(leader));
            assertThat(calls).as(leader + "'s callbacks").isNotEmpty();
            assertThat(calls.get(calls.size() - 1)).isEqualTo("on_role_change master " + SCOPE);
        });
    }

    // ---- helpers ----

    private static List<String> calls(AgentProcess node) throws IOException {
        Path file = scripts.resolve(node.name() + ".calls");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static ClusterConfig withPause(ClusterConfig c, boolean pause) {
        return new ClusterConfig(c.ttl(), c.loopWait(), c.retryTimeout(), c.maximumLagOnFailover(), pause, c.other());
    }

    @SuppressWarnings("unchecked")
    private static void editParameters(UnaryOperator<Map<String, Object>> edit) throws Exception {
        editConfig(c -> {
            Map<String, Object> other = new LinkedHashMap<>(c.other());
            Map<String, Object> postgresql = new LinkedHashMap<>((Map<String, Object>) other.getOrDefault("postgresql", Map.of()));
            postgresql.put("parameters", edit.apply(new LinkedHashMap<>(
                    (Map<String, Object>) postgresql.getOrDefault("parameters", Map.of()))));
            other.put("postgresql", postgresql);
            return new ClusterConfig(c.ttl(), c.loopWait(), c.retryTimeout(), c.maximumLagOnFailover(), c.pause(), other);
        });
    }

    private static void editConfig(UnaryOperator<ClusterConfig> edit) throws Exception {
        ClusterConfig now = JSON.readConfig(cluster.etcd.get(cluster.keys.config()).orElseThrow());
        String value = JSON.writeConfig(edit.apply(now));
        etcd.getKVClient().put(ByteSequence.from(cluster.keys.config(), StandardCharsets.UTF_8),
                ByteSequence.from(value, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        LOG.info("config key now {}", value);
    }

    private static MemberData member(AgentProcess node) {
        return JSON.readMember(cluster.etcd.get(cluster.keys.member(node.name())).orElseThrow());
    }

    private static String show(AgentProcess node, String setting) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        }
    }

    private static boolean inRecovery(AgentProcess node) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    private static String rest(AgentProcess node, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.restUrl() + path)).timeout(Duration.ofSeconds(3)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
