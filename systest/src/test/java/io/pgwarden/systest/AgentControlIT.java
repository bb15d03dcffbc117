package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.agent.rest.BasicAuth;
import io.pgwarden.agent.tls.TlsFiles;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.testkit.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' control endpoints on a real cluster (etcd, three agents as processes): the config key
 * patched, PostgreSQL restarted (now and on a schedule), a replica cloned again, the agent's file reloaded,
 * basic auth and HTTPS; and Debian's patronictl 3.0.2 driving the same endpoints (restart, reload,
 * reinit, switchover, pause and resume with --wait). One cluster for all;
 * each test leaves it healthy for the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class AgentControlIT {

    private static final Logger LOG = LoggerFactory.getLogger(AgentControlIT.class);
    private static final BasicAuth ADMIN = new BasicAuth("admin", "s3cret");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AgentCluster<EtcdServer> cluster;
    private static TestCertificates certs;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("control").withSynchronousMode("off", false));
        certs = TestCertificates.create();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    @BeforeEach
    void healthy(TestInfo test) {
        cluster.awaitHealthy(Duration.ofSeconds(90));
        LOG.info("==== {} ====", test.getDisplayName());
    }

    // ---- helpers ----

    private HttpResponse<String> call(HttpClient client, String baseUrl, String method, String path, String body,
                                      BasicAuth auth) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth.header());
        }
        HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        LOG.info("{} {}{} -> {} {}", method, baseUrl, path, response.statusCode(), response.body());
        return response;
    }

    private HttpResponse<String> call(AgentProcess node, String method, String path, String body)
            throws IOException, InterruptedException {
        return call(http, node.restUrl(), method, path, body, null);
    }

    private static String replica() {
        String leader = cluster.leader().orElseThrow();
        return cluster.agents.nodes().stream().map(AgentProcess::name).filter(n -> !n.equals(leader)).findFirst()
                .orElseThrow();
    }

    private static Instant postmasterStart(AgentProcess node) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_postmaster_start_time()")) {
            r.next();
            return r.getTimestamp(1).toInstant();
        }
    }

    private static String show(AgentProcess node, String setting) throws SQLException {
        try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        }
    }

    private static JsonNode configKey() throws IOException {
        return JSON.readTree(cluster.etcd.get(cluster.keys.config()).orElseThrow());
    }

    /** Changes the node's YAML file in place (a nested map per section). */
    @SuppressWarnings("unchecked")
    private static void editYaml(AgentProcess node, String section, Consumer<Map<String, Object>> edit) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        Map<String, Object> root = yaml.readValue(node.config().toFile(), LinkedHashMap.class);
        Map<String, Object> part = (Map<String, Object>) root.computeIfAbsent(section, k -> new LinkedHashMap<>());
        edit.accept(part);
        yaml.writeValue(node.config().toFile(), root);
    }

    private static Path patronictlConfig(String extra) throws IOException {
        Path config = cluster.dir.resolve("patronictl.yml");
        Files.writeString(config, "scope: control\nnamespace: /service/\netcd3:\n  hosts: "
                + URI.create(cluster.etcd.clientUrl()).getAuthority() + "\n"
                + "restapi:\n  authentication:\n    username: " + ADMIN.username() + "\n    password: " + ADMIN.password()
                + "\n" + extra);
        return config;
    }

    private static CommandResult patronictl(Path config, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("patronictl", "-c", config.toString()));
        command.addAll(List.of(args));
        CommandResult result = Commands.run(command, Map.of(), cluster.dir, Duration.ofSeconds(120));
        LOG.info("patronictl {} -> {}\n{}{}", String.join(" ", args), result.exitCode(), result.stdout(), result.stderr());
        return result;
    }

    // ---- the endpoints ----

    @Test
    @Order(1)
    void patchConfigMergesIntoTheKeyAndRefusesWhatAgentsCouldNotRun() throws Exception {
        AgentProcess node = cluster.node(replica());
        HttpResponse<String> patched = call(node, "PATCH", "/config",
                "{\"maximum_lag_on_failover\":2097152,\"postgresql\":{\"parameters\":{\"work_mem\":\"5MB\"}}}");
        assertThat(patched.statusCode()).isEqualTo(200);
        JsonNode key = configKey();
        assertThat(key.path("maximum_lag_on_failover").asLong()).isEqualTo(2097152);
        assertThat(key.path("postgresql").path("parameters").path("work_mem").asText()).isEqualTo("5MB");
        assertThat(key.path("postgresql").path("parameters").path("shared_buffers").asText()).isEqualTo("32MB");
        assertThat(JSON.readTree(patched.body())).isEqualTo(key);

        HttpResponse<String> invalid = call(node, "PATCH", "/config", "{\"ttl\":5}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("loop_wait + 2 * retry_timeout must not exceed ttl");
        assertThat(configKey()).isEqualTo(key);

        HttpResponse<String> removed = call(node, "PATCH", "/config", "{\"maximum_lag_on_failover\":null}");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(configKey().has("maximum_lag_on_failover")).isFalse();
    }

    @Test
    @Order(2)
    void restartRestartsPostgresqlOnlyWhenTheConditionsHold() throws Exception {
        String leader = cluster.leader().orElseThrow();
        AgentProcess node = cluster.node(leader);
        Instant before = postmasterStart(node);

        HttpResponse<String> notReplica = call(node, "POST", "/restart", "{\"role\":\"replica\"}");
        assertThat(notReplica.statusCode()).isEqualTo(503);
        assertThat(notReplica.body()).isEqualTo("restart conditions are not satisfied");
        assertThat(postmasterStart(node)).isEqualTo(before);
        assertThat(call(node, "POST", "/restart", "{\"role\":\"leader\"}").statusCode()).isEqualTo(400);

        HttpResponse<String> restarted = call(node, "POST", "/restart", "{}");
        assertThat(restarted.statusCode()).isEqualTo(200);
        assertThat(restarted.body()).isEqualTo("restarted successfully");
        assertThat(postmasterStart(node)).isAfter(before);
        assertThat(cluster.leader()).contains(leader); // a restart is not a failover
    }

    @Test
    @Order(3)
    void aScheduledRestartRunsOnTimeAndCanBeCancelled() throws Exception {
        AgentProcess node = cluster.node(replica());
        Instant before = postmasterStart(node);
        String later = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(30).toString();
        assertThat(call(node, "POST", "/restart", "{\"schedule\":\"" + later + "\"}").statusCode()).isEqualTo(202);
        assertThat(call(node, "POST", "/restart", "{\"schedule\":\"" + later + "\"}").statusCode()).isEqualTo(409);
        assertThat(call(node, "DELETE", "/restart", null).statusCode()).isEqualTo(200);
        assertThat(call(node, "DELETE", "/restart", null).statusCode()).isEqualTo(404);

        OffsetDateTime soon = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(5);
        HttpResponse<String> scheduled = call(node, "POST", "/restart", "{\"schedule\":\"" + soon + "\"}");
        assertThat(scheduled.statusCode()).isEqualTo(202);
        assertThat(scheduled.body()).isEqualTo("Restart scheduled");
        assertThat(postmasterStart(node)).isEqualTo(before);
        Instant restartedAt = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> postmasterStart(node), t -> t.isAfter(before));
        assertThat(restartedAt).isAfterOrEqualTo(soon.toInstant().minusSeconds(1));
        assertThat(call(node, "DELETE", "/restart", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(4)
    void reinitializeClonesAReplicaAgainButNeverTheLeader() throws Exception {
        String leader = cluster.leader().orElseThrow();
        HttpResponse<String> onLeader = call(cluster.node(leader), "POST", "/reinitialize", "{}");
        assertThat(onLeader.statusCode()).isEqualTo(503);
        assertThat(onLeader.body()).isEqualTo("I am the leader, can not reinitialize");

        AgentProcess node = cluster.node(replica());
        Path marker = node.dataDir().resolve("pgwarden-test-marker");
        Files.writeString(marker, "this file goes with the old data directory");
        HttpResponse<String> started = call(node, "POST", "/reinitialize", "{\"force\":false}");
        assertThat(started.statusCode()).isEqualTo(200);
        assertThat(started.body()).isEqualTo("reinitialize started");
        assertThat(marker).doesNotExist();

        try (Connection c = AgentCluster.connect(cluster.node(leader)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS after_reinit (id int)");
            s.execute("INSERT INTO after_reinit VALUES (42)");
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            try (Connection c = AgentCluster.connect(node); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(*) FROM after_reinit WHERE id = 42")) {
                r.next();
                return r.getInt(1) == 1;
            }
        });
        assertThat(cluster.leader()).contains(leader);
    }

    @Test
    @Order(5)
    void reloadAppliesTheFilesParametersAndAuthentication() throws Exception {
        AgentProcess node = cluster.node(replica());
        editYaml(node, "postgresql", pg -> pg.put("parameters", Map.of("work_mem", "7MB")));
        HttpResponse<String> reload = call(node, "POST", "/reload", null);
        assertThat(reload.statusCode()).isEqualTo(202);
        assertThat(reload.body()).isEqualTo("reload scheduled");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> show(node, "work_mem"), "7MB"::equals);

        // Authentication on, by the same reload: control requests need the user from then on, GETs do not.
        editYaml(node, "restapi", api -> api.put("authentication",
                Map.of("username", ADMIN.username(), "password", ADMIN.password())));
        assertThat(call(node, "POST", "/reload", null).statusCode()).isEqualTo(202);
        HttpResponse<String> anonymous = call(node, "DELETE", "/restart", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(call(http, node.restUrl(), "PATCH", "/config", "{\"pause\":true}", new BasicAuth("admin", "wrong"))
                .statusCode()).isEqualTo(401);
        assertThat(configKey().has("pause")).isFalse();
        assertThat(call(http, node.restUrl(), "DELETE", "/restart", null, ADMIN).statusCode()).isEqualTo(404);
        assertThat(call(node, "GET", "/patroni", null).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(6)
    void patronictlRestartsReloadsReinitializesAndPausesThroughTheAgents() throws Exception {
        Path config = patronictlConfig("");
        String leader = cluster.leader().orElseThrow();
        AgentProcess leaderNode = cluster.node(leader);
        Instant before = postmasterStart(leaderNode);

        CommandResult restart = patronictl(config, "restart", "control", leader, "--force");
        restart.requireSuccess("patronictl restart");
        assertThat(restart.stdout()).contains("Success: restart on member " + leader);
        assertThat(postmasterStart(leaderNode)).isAfter(before);

        CommandResult reload = patronictl(config, "reload", "control", "--force");
        reload.requireSuccess("patronictl reload");
        assertThat(reload.stdout()).contains("Reload request received for member " + leader);

        String replica = replica();
        Path marker = cluster.node(replica).dataDir().resolve("pgwarden-test-marker");
        Files.writeString(marker, "old data directory");
        CommandResult reinit = patronictl(config, "reinit", "control", replica, "--force", "--wait");
        reinit.requireSuccess("patronictl reinit");
        assertThat(reinit.stdout()).contains("Success: reinitialize for member " + replica)
                .contains("Reinitialize is completed on: " + replica);
        assertThat(marker).doesNotExist();
        cluster.awaitHealthy(Duration.ofSeconds(90));

        CommandResult pause = patronictl(config, "pause", "control");
        pause.requireSuccess("patronictl pause");
        assertThat(pause.stdout()).contains("Success: cluster management is paused");
        assertThat(configKey().path("pause").asBoolean()).isTrue();
        CommandResult resume = patronictl(config, "resume", "control");
        resume.requireSuccess("patronictl resume");
        assertThat(resume.stdout()).contains("Success: cluster management is resumed");
        assertThat(configKey().has("pause")).isFalse();
    }

    @Test
    @Order(7)
    void patronictlSwitchesOverAndPausesWithWait() throws Exception {
        Path config = patronictlConfig("");
        String from = cluster.leader().orElseThrow();
        String to = replica();
        try (LeaderKeyHistory history = new LeaderKeyHistory(cluster.etcd.clientUrl(), cluster.keys.leader())) {
            CommandResult switchover = patronictl(config, "switchover", "control", "--leader", from, "--candidate", to,
                    "--force");
            switchover.requireSuccess("patronictl switchover");
            // patronictl exits 0 even when the leader refuses: its words tell.
            assertThat(switchover.stdout()).contains("Successfully switched over to \"" + to + "\"")
                    .doesNotContain("failed, details").doesNotContain("falling back to DCS");
            assertThat(cluster.leader()).contains(to);
            assertThat(history.holders()).containsExactly(from, to);
        }
        try (Connection c = AgentCluster.connect(cluster.node(to)); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
            r.next();
            assertThat(r.getBoolean(1)).as(to + " is a primary").isFalse();
        }
        cluster.awaitHealthy(Duration.ofSeconds(90));

        CommandResult pause = patronictl(config, "pause", "control", "--wait");
        pause.requireSuccess("patronictl pause --wait");
        assertThat(pause.stdout()).contains("'pause' request sent, waiting until it is recognized by all nodes")
                .contains("Success: cluster management is paused").doesNotContain("didn't recognized");
        assertThat(configKey().path("pause").asBoolean()).isTrue();
        for (AgentProcess node : cluster.agents.nodes()) {
            assertThat(JSON.readTree(cluster.etcd.get(cluster.keys.member(node.name())).orElseThrow()).path("pause")
                    .asBoolean()).as(node.name() + " reports pause").isTrue();
        }

        CommandResult resume = patronictl(config, "resume", "control", "--wait");
        resume.requireSuccess("patronictl resume --wait");
        assertThat(resume.stdout()).contains("Success: cluster management is resumed").doesNotContain("didn't recognized");
        assertThat(configKey().has("pause")).isFalse();
        for (AgentProcess node : cluster.agents.nodes()) {
            assertThat(JSON.readTree(cluster.etcd.get(cluster.keys.member(node.name())).orElseThrow()).path("pause")
                    .asBoolean(false)).as(node.name() + " reports no pause").isFalse();
        }
    }

    @Test
    @Order(8)
    void httpsWithTheNodesCertificate() throws Exception {
        AgentProcess node = cluster.node(replica());
        node.terminate();
        assertThat(node.awaitExit(Duration.ofSeconds(60))).isTrue();
        editYaml(node, "restapi", api -> {
            api.put("certfile", certs.serverCert().toString());
            api.put("keyfile", certs.serverKey().toString());
            api.put("cafile", certs.caCert().toString());
            api.put("authentication", Map.of("username", ADMIN.username(), "password", ADMIN.password()));
        });
        node.start();
        String https = "https://127.0.0.1:" + node.restPort();
        HttpClient trusting = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(new TlsFiles(certs.clientCert(), certs.clientKey(), null, certs.caCert(), null).clientContext())
                .build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> call(trusting, https, "GET", "/replica", null, null).statusCode() == 200);
        assertThat(JSON.readTree(cluster.etcd.get(cluster.keys.member(node.name())).orElseThrow()).path("api_url").asText())
                .isEqualTo(https + "/patroni");
        assertThat(call(trusting, https, "POST", "/reload", null, null).statusCode()).isEqualTo(401);
        assertThat(call(trusting, https, "POST", "/reload", null, ADMIN).statusCode()).isEqualTo(202);

        // patronictl reaches it over HTTPS too, trusting the same CA.
        Instant before = postmasterStart(node);
        CommandResult restart = patronictl(patronictlConfig("ctl:\n  cacert: " + certs.caCert() + "\n"),
                "restart", "control", node.name(), "--force");
        restart.requireSuccess("patronictl restart over https");
        assertThat(restart.stdout()).contains("Success: restart on member " + node.name());
        assertThat(postmasterStart(node)).isAfter(before);
    }
}
