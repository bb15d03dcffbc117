package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.ctl.CtlCommand;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Terminal;
import io.pgwarden.local.EtcdServer;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * ctl's read-only commands, edit-config and remove against pgwarden agents (their keys, their YAML
 * for -c). The commands that go through the agents' REST control endpoints are tested against
 * Patroni in the ctl module's CtlPatroniIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class CtlAgentIT {

    private static final String SCOPE = "ctlagents";

    private static AgentCluster<EtcdServer> cluster;
    private static List<String> connection;
    private static String leader;
    private final JsonMapper json = JsonMapper.builder().build();

    /** One ctl run in this JVM: exit code and what it printed. */
    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

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

    private static Run ctl(String stdin, List<String> options, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Terminal terminal = Terminal.of(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(args));
        int exit = CtlCommand.commandLine(terminal).execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run ctl(String... args) {
        return ctl("", connection, args);
    }

    private String config() {
        return cluster.etcd.get(cluster.keys.config()).orElseThrow();
    }

    @Test
    @Order(1)
    void listShowsTheAgentsMembers() throws Exception {
        Run run = ctl("list", "--format", "json");
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
        Run list = ctl("", fromYaml, "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).startsWith("+ Cluster: " + SCOPE + " (");

        Run topology = ctl("", fromYaml, "topology", "--format", "tsv");
        assertThat(topology.exit()).as(topology.toString()).isZero();
        List<String> lines = topology.out().lines().skip(1).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith(SCOPE + "\t" + leader + "\t");
        assertThat(lines.subList(1, 3)).allMatch(l -> l.contains("\t+ "));
    }

    @Test
    @Order(3)
    void historyOfAFreshClusterIsEmpty() {
        Run run = ctl("history", "--format", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("[]\n");
    }

    @Test
    @Order(4)
    void showAndEditConfig() {
        Run show = ctl("show-config");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.out()).contains("ttl: 10\n").contains("loop_wait: 2\n").contains("retry_timeout: 3\n");

        Run invalid = ctl("edit-config", "--set", "ttl=5", "--force");
        assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(invalid.err()).contains("2 + 2 * 3 = 8 > 5");
        assertThat(config()).contains("\"ttl\":10");

        Run dryRun = ctl("edit-config", "--set", "maximum_lag_on_failover=2097152", "--dry-run");
        assertThat(dryRun.exit()).as(dryRun.toString()).isZero();
        assertThat(dryRun.out()).contains("+maximum_lag_on_failover: 2097152");
        assertThat(config()).doesNotContain("2097152");

        Run run = ctl("edit-config", "--set", "maximum_lag_on_failover=2097152", "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(config()).contains("\"maximum_lag_on_failover\":2097152").contains("\"ttl\":10")
                .contains("\"synchronous_mode\"");
    }

    @Test
    @Order(10)
    void removeDeletesTheClustersKeys() {
        for (AgentProcess node : cluster.agents.nodes()) {
            node.terminate();
        }
        for (AgentProcess node : cluster.agents.nodes()) {
            assertThat(node.awaitExit(Duration.ofSeconds(30))).as(node.name() + " stopped").isTrue();
        }
        Run declined = ctl(SCOPE + "\nno\n", connection, "remove", SCOPE);
        assertThat(declined.exit()).as(declined.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(cluster.etcd.get(cluster.keys.config())).isPresent();

        Run run = ctl("remove", SCOPE, "--yes-i-am-aware");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(cluster.etcd.get(cluster.keys.config())).isEmpty();
        assertThat(cluster.etcd.get(cluster.keys.initialize())).isEmpty();
        assertThat(ctl("list").exit()).isEqualTo(ExitCodes.FAILED);
    }
}
