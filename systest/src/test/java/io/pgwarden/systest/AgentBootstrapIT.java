package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.Commands;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.HaproxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three agents bootstrap a cluster from empty directories; everything that reads a Patroni cluster
 * reads it: the router, patronictl (Debian's Patroni 3.0.2), HAProxy with Patroni's checks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class AgentBootstrapIT {

    private static AgentCluster<EtcdServer> cluster;
    private static String leader;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("boot"));
        leader = cluster.awaitLeader(Duration.ofSeconds(30));
        cluster.startRouter();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void everyMemberPublishesPatronisJson() {
        PatroniJson json = new PatroniJson();
        for (AgentProcess node : cluster.agents.nodes()) {
            MemberData member = json.readMember(cluster.etcd.get(cluster.keys.member(node.name())).orElseThrow());
            assertThat(member.connUrl()).isEqualTo("postgres://127.0.0.1:" + node.pgPort() + "/postgres");
            assertThat(member.apiUrl()).isEqualTo("http://127.0.0.1:" + node.restPort() + "/patroni");
            assertThat(member.state()).isEqualTo("running");
            assertThat(member.role()).isEqualTo(node.name().equals(leader) ? "primary" : "replica");
            assertThat(member.timeline()).isEqualTo(1L);
            assertThat(member.walPosition()).isPresent();
        }
        assertThat(cluster.etcd.get(cluster.keys.initialize()).orElseThrow()).matches("\\d+");
        assertThat(cluster.etcd.get(cluster.keys.config()).orElseThrow()).contains("\"ttl\":10").contains("\"synchronous_mode\":\"on\"");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                new PatroniJson().readSync(cluster.etcd.get(cluster.keys.sync()).orElseThrow()).syncStandbys()).hasSize(1));
    }

    @Test
    @Order(2)
    void theRouterSendsWritesToTheLeaderAndReadsToAReplica() throws Exception {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            try (Connection c = routerConnection(ListenerRole.PRIMARY); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS boot (id int)");
                s.execute("INSERT INTO boot VALUES (1)");
                assertThat(port(s)).isEqualTo(cluster.node(leader).pgPort());
            }
        });
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            try (Connection c = routerConnection(ListenerRole.REPLICA); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT pg_is_in_recovery(), (SELECT count(*) FROM boot)")) {
                r.next();
                assertThat(r.getBoolean(1)).isTrue();
                assertThat(r.getInt(2)).isEqualTo(1);
            }
        });
    }

    @Test
    @Order(3)
    void theRestApiAnswersWithPatronisCodes() throws Exception {
        for (AgentProcess node : cluster.agents.nodes()) {
            boolean isLeader = node.name().equals(leader);
            assertThat(status(node, "/primary")).isEqualTo(isLeader ? 200 : 503);
            assertThat(status(node, "/replica")).isEqualTo(isLeader ? 503 : 200);
            assertThat(status(node, "/read-only")).isEqualTo(200);
            assertThat(status(node, "/health")).isEqualTo(200);
            assertThat(status(node, "/leader")).isEqualTo(isLeader ? 200 : 503);
        }
        HttpResponse<String> patroni = http.send(HttpRequest.newBuilder(URI.create(cluster.node(leader).restUrl() + "/patroni")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = new ObjectMapper().readTree(patroni.body());
        assertThat(body.path("role").asText()).isIn("primary", "master");
        assertThat(body.path("timeline").asInt()).isEqualTo(1);
        assertThat(body.path("patroni").path("scope").asText()).isEqualTo("boot");
    }

    @Test
    @Order(4)
    void patronictlListsTheMembers() throws Exception {
        Path config = cluster.dir.resolve("patronictl.yml");
        Files.writeString(config, "scope: boot\nnamespace: /service/\netcd3:\n  hosts: "
                + URI.create(cluster.etcd.clientUrl()).getAuthority() + "\n");
        CommandResult result = Commands.run(Duration.ofSeconds(60), "patronictl", "-c", config.toString(), "list", "-f", "json");
        result.requireSuccess("patronictl list");
        JsonNode members = new ObjectMapper().readTree(result.stdout());
        assertThat(members).hasSize(3);
        List<String> roles = new ArrayList<>();
        for (JsonNode member : members) {
            roles.add(member.path("Role").asText());
            assertThat(member.path("State").asText()).isIn("running", "streaming");
            assertThat(member.path("TL").asInt()).isEqualTo(1);
            if (!member.path("Member").asText().equals(leader)) {
                assertThat(member.path("Lag in MB").asText()).isIn("0", "0.0");
            }
        }
        assertThat(roles).containsExactlyInAnyOrder("Leader", "Sync Standby", "Replica");
    }

    @Test
    @Order(5)
    void haproxyWithPatronisChecksRoutesToTheLeader() throws Exception {
        List<HaproxyServer.Backend> backends = cluster.agents.nodes().stream()
                .map(n -> new HaproxyServer.Backend(n.name(), "127.0.0.1", n.pgPort(), n.restPort())).toList();
        try (HaproxyServer haproxy = HaproxyServer.start(backends, HaproxyServer.Options.defaults()
                .withChecks(Duration.ofSeconds(1), 2, 1))) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                Properties props = new Properties();
                props.setProperty("user", "postgres");
                props.setProperty("password", "postgres");
                try (Connection c = DriverManager.getConnection(haproxy.jdbcUrl("postgres"), props);
                     Statement s = c.createStatement()) {
                    assertThat(port(s)).isEqualTo(cluster.node(leader).pgPort());
                }
            });
        }
    }

    @Test
    @Order(6)
    void aRestartedReplicaRejoinsWithoutCloningAgain() throws Exception {
        AgentProcess replica = cluster.agents.nodes().stream().filter(n -> !n.name().equals(leader)).findFirst().orElseThrow();
        Path marker = replica.dataDir().resolve("pgwarden-test-marker");
        Files.writeString(marker, "a clone would remove this");
        replica.terminate();
        assertThat(replica.awaitExit(Duration.ofSeconds(60))).isTrue();
        assertThat(replica.postmaster()).isEmpty();
        replica.start();
        cluster.awaitHealthy(Duration.ofSeconds(60));
        assertThat(marker).exists();
        assertThat(cluster.leader()).hasValue(leader);
    }

    private int status(AgentProcess node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.restUrl() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int port(Statement s) throws Exception {
        try (ResultSet r = s.executeQuery("SELECT inet_server_port()")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static Connection routerConnection(ListenerRole role) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(cluster.routerUrl(role), props);
    }

}
