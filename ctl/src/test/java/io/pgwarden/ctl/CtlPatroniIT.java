package io.pgwarden.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdClients;
import io.pgwarden.ctl.store.ClusterState;
import io.pgwarden.ctl.store.ClusterStore;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.local.PatroniNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Every ctl command against a real Patroni 3.0.2 cluster (Debian's), which implements every REST
 * endpoint ctl calls: the reference ctl must work with. One cluster for the class; the tests run in
 * order and each leaves the cluster healthy for the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CtlPatroniIT {

    private static final Duration CHANGE = Duration.ofSeconds(60);
    private static final String SCOPE = "ctlit";

    private static PatroniCluster patroni;
    private static List<String> connection;
    private static PatroniKeys keys;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void start() {
        patroni = PatroniCluster.start(PatroniCluster.Options.defaults().withScope(SCOPE));
        connection = List.of("--etcd", patroni.etcd().clientUrl(), "--scope", SCOPE);
        keys = PatroniKeys.of(SCOPE);
    }

    @AfterAll
    static void stop() {
        if (patroni != null) {
            patroni.close();
        }
    }

    private static CtlRun ctl(String... args) {
        return CtlRun.of("", connection, args);
    }

    private static String leader() {
        return patroni.waitForLeader(CHANGE).name();
    }

    private static String aReplica() {
        String leader = leader();
        return patroni.nodes().stream().map(PatroniNode::name).filter(n -> !n.equals(leader)).sorted().findFirst()
                .orElseThrow();
    }

    private String config() {
        return patroni.etcd().get(keys.config()).orElseThrow();
    }

    @Test
    @Order(1)
    void listShowsEveryMemberWithItsRole() throws Exception {
        String leader = leader();
        CtlRun pretty = ctl("list");
        assertThat(pretty.exit()).as(pretty.toString()).isZero();
        assertThat(pretty.out()).startsWith("+ Cluster: " + SCOPE + " (").contains("| Leader ").contains("| Replica ");

        CtlRun run = ctl("list", "--format", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode rows = json.readTree(run.out());
        assertThat(rows).hasSize(3);
        for (JsonNode row : rows) {
            String name = row.get("Member").asText();
            PatroniNode node = patroni.node(name);
            assertThat(row.get("Cluster").asText()).isEqualTo(SCOPE);
            assertThat(row.get("Host").asText()).isEqualTo("127.0.0.1:" + node.pgPort());
            assertThat(row.get("Role").asText()).isEqualTo(name.equals(leader) ? "Leader" : "Replica");
            assertThat(row.get("State").asText()).isIn("running", "streaming");
            assertThat(row.get("TL").asInt()).isEqualTo(1);
            assertThat(row.has("Lag in MB")).isEqualTo(!name.equals(leader));
        }
    }

    @Test
    @Order(2)
    void listReadsAPatroniYamlAndWatchIsBounded() {
        Path nodeYaml = patroni.nodes().get(0).configFile();
        CtlRun run = CtlRun.of("", List.of("-c", nodeYaml.toString()), "list", "--format", "tsv", "--watch", "0.2",
                "--watch-count", "2");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out().lines().filter(l -> l.startsWith("Cluster\tMember"))).hasSize(2);
    }

    @Test
    @Order(3)
    void topologyPutsTheLeaderFirstAndItsReplicasUnderIt() {
        CtlRun run = ctl("topology", "--format", "tsv");
        assertThat(run.exit()).as(run.toString()).isZero();
        List<String> lines = run.out().lines().skip(1).toList();
        assertThat(lines.get(0)).startsWith(SCOPE + "\t" + leader() + "\t");
        assertThat(lines.subList(1, 3)).allMatch(l -> l.startsWith(SCOPE + "\t+ pg"));
    }

    @Test
    @Order(4)
    void showConfigPrintsTheConfigKeyAsYaml() {
        CtlRun run = ctl("show-config");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("loop_wait: 2\n").contains("ttl: 10\n").contains("retry_timeout: 3\n")
                .contains("postgresql:\n");
    }

    @Test
    @Order(5)
    void editConfigValidatesShowsTheDiffAndWrites() {
        CtlRun invalid = ctl("edit-config", "--set", "loop_wait=5", "--force");
        assertThat(invalid.exit()).as(invalid.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(invalid.err()).contains("configuration of cluster " + SCOPE + " not written")
                .contains("5 + 2 * 3 = 11 > 10");
        assertThat(config()).contains("\"loop_wait\":2");

        CtlRun declined = CtlRun.of("n\n", connection, "edit-config", "--set", "loop_wait=3");
        assertThat(declined.exit()).as(declined.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(config()).contains("\"loop_wait\":2");

        CtlRun run = ctl("edit-config", "--set", "loop_wait=3", "--pg", "work_mem=8MB", "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("-loop_wait: 2\n+loop_wait: 3\n").contains("+    work_mem: 8MB\n")
                .contains("Configuration of cluster " + SCOPE + " changed");
        assertThat(config()).contains("\"loop_wait\":3").contains("\"work_mem\":\"8MB\"").contains("\"use_slots\":true");

        // Patroni takes the new value from the key: its GET /config shows it.
        CtlRun again = ctl("show-config", "--format", "json");
        assertThat(again.out()).contains("\"loop_wait\" : 3");
    }

    @Test
    @Order(6)
    void theConfigIsWrittenOnlyIfNobodyChangedItSinceItWasRead() {
        EtcdAccess access = EtcdAccess.plain(List.of(URI.create(patroni.etcd().clientUrl())));
        try (ClusterStore store = new ClusterStore(EtcdClients.create(access, Duration.ofSeconds(10)), keys,
                Duration.ofSeconds(10), access)) {
            ClusterState read = store.read();
            String before = read.configJson().orElseThrow();
            String other = before.replace("\"loop_wait\":3", "\"loop_wait\":2");
            assertThat(store.replaceConfig(other, read.configModRevision())).isTrue(); // someone else's edit
            assertThat(store.replaceConfig(before.replace("\"loop_wait\":3", "\"loop_wait\":1"), read.configModRevision()))
                    .as("a write based on the stale read").isFalse();
            assertThat(config()).contains("\"loop_wait\":2");
        }
    }

    @Test
    @Order(10)
    void switchoverToACandidate() {
        String old = leader();
        String candidate = aReplica();
        CtlRun wrongLeader = ctl("switchover", "--leader", candidate, "--force");
        assertThat(wrongLeader.exit()).as(wrongLeader.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(wrongLeader.err()).contains("member " + candidate + " is not the leader of cluster " + SCOPE);
        CtlRun unknown = ctl("switchover", "--candidate", "pg9", "--force");
        assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("member pg9 is not a member of cluster " + SCOPE);

        CtlRun run = ctl("switchover", "--leader", old, "--candidate", candidate, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Successfully switched over to \"" + candidate + "\"");
        assertThat(patroni.waitForNewLeader(old, CHANGE).name()).isEqualTo(candidate);
        patroni.waitForReplicas(CHANGE);
    }

    @Test
    @Order(11)
    void historyShowsTheSwitchover() throws Exception {
        String leader = leader();
        CtlRun run = ctl("history", "--format", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode rows = json.readTree(run.out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("TL").asInt()).isEqualTo(1);
        assertThat(rows.get(0).get("New Leader").asText()).isEqualTo(leader);
        assertThat(ctl("history").out()).contains("| TL |");
    }

    @Test
    @Order(12)
    void scheduledSwitchoverHappensAtItsTime() {
        String old = leader();
        String at = OffsetDateTime.now().plusSeconds(5).withNano(0).toString();
        CtlRun run = ctl("switchover", "--scheduled", at, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Switchover scheduled");
        assertThat(ctl("list").out()).contains("Switchover scheduled at: ").contains("from " + old);
        assertThat(patroni.waitForNewLeader(old, CHANGE).name()).isNotEqualTo(old);
        patroni.waitForReplicas(CHANGE);
    }

    @Test
    @Order(13)
    void failoverToACandidate() {
        String old = leader();
        String candidate = aReplica();
        CtlRun self = ctl("failover", "--candidate", old, "--force");
        assertThat(self.exit()).as(self.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(self.err()).contains("is already the leader");

        CtlRun run = ctl("failover", "--candidate", candidate, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains(candidate);
        assertThat(patroni.waitForNewLeader(old, CHANGE).name()).isEqualTo(candidate);
        patroni.waitForReplicas(CHANGE);
    }

    @Test
    @Order(20)
    void pauseAndResume() {
        CtlRun pause = ctl("pause", "--wait");
        assertThat(pause.exit()).as(pause.toString()).isZero();
        assertThat(pause.out()).contains("Success: cluster " + SCOPE + " is paused");
        assertThat(config()).contains("\"pause\":true");
        PatroniJson codec = new PatroniJson();
        for (PatroniNode node : patroni.nodes()) {
            assertThat(codec.readMember(patroni.etcd().get(keys.member(node.name())).orElseThrow()).pause())
                    .as(node.name() + " reports pause").isTrue();
        }
        assertThat(ctl("list").out()).contains("Maintenance mode: on");

        CtlRun again = ctl("pause");
        assertThat(again.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(again.err()).contains("cluster " + SCOPE + " is already paused");

        CtlRun resume = ctl("resume", "--wait");
        assertThat(resume.exit()).as(resume.toString()).isZero();
        assertThat(config()).doesNotContain("\"pause\"");
    }

    @Test
    @Order(21)
    void restartAndReload() {
        String replica = aReplica();
        CtlRun run = ctl("restart", replica, "--force");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Success: restart on member " + replica);

        // Nothing is pending: Patroni refuses, and the script sees it.
        CtlRun pending = ctl("restart", replica, "--pending", "--force");
        assertThat(pending.exit()).as(pending.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(pending.err()).contains("Restart refused by member " + replica + " of cluster " + SCOPE + " (HTTP 503)");

        CtlRun declined = CtlRun.of("no\n", connection, "restart", replica);
        assertThat(declined.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(declined.err()).contains("aborted");

        CtlRun reload = ctl("reload", "--force");
        assertThat(reload.exit()).as(reload.toString()).isZero();
        assertThat(reload.out().lines().filter(l -> l.startsWith("Reload requested on member"))).hasSize(3);
        patroni.waitForReplicas(CHANGE);
    }

    @Test
    @Order(22)
    void reinitRebuildsAReplicaButNotTheLeader() {
        CtlRun leader = ctl("reinit", leader(), "--force");
        assertThat(leader.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(leader.err()).contains("is the leader of cluster " + SCOPE);

        String replica = aReplica();
        CtlRun run = ctl("reinit", replica, "--force", "--wait");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Success: reinitialize started on member " + replica)
                .contains("Reinitialize done on member " + replica);
        patroni.waitForReplicas(CHANGE);
    }

    @Test
    @Order(30)
    void basicAuthFromTheFlagOrTheNodesYaml() throws Exception {
        for (PatroniNode node : patroni.nodes()) {
            String yaml = Files.readString(node.configFile());
            Files.writeString(node.configFile(), yaml.replace("restapi:\n",
                    "restapi:\n  authentication:\n    username: 'admin'\n    password: 'pw'\n"));
        }
        assertThat(ctl("reload", "--force").exit()).isZero(); // reload is not yet protected
        // Patroni reloads in its next loop, member by member: wait until every member refuses an
        // unauthenticated control request that changes nothing (DELETE /switchover), so that the
        // pause below cannot slip through a member still running without authentication.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() ->
                patroni.nodes().stream().allMatch(n -> unauthenticatedDelete(n) == 401));
        CtlRun denied = ctl("pause");
        assertThat(denied.exit()).as(denied.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(denied.err()).contains("HTTP 401");
        assertThat(config()).doesNotContain("\"pause\"");

        CtlRun pause = ctl("pause", "--auth", "admin:pw");
        assertThat(pause.exit()).as(pause.toString()).isZero();
        CtlRun resume = CtlRun.of("", List.of("-c", patroni.nodes().get(1).configFile().toString()), "resume");
        assertThat(resume.exit()).as(resume.toString()).isZero();
        assertThat(config()).doesNotContain("\"pause\"");
    }

    private static int unauthenticatedDelete(PatroniNode node) {
        try {
            java.net.http.HttpResponse<Void> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://" + node.host() + ":" + node.restPort()
                            + "/switchover")).timeout(Duration.ofSeconds(5)).DELETE().build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Test
    @Order(40)
    void removeNeedsConfirmationThenDeletesEveryKey() {
        patroni.nodes().forEach(PatroniNode::killAgent); // running agents would write their keys again
        CtlRun wrongName = CtlRun.of("other\n", connection, "remove", SCOPE);
        assertThat(wrongName.exit()).as(wrongName.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(wrongName.err()).contains("nothing removed");
        CtlRun noSentence = CtlRun.of(SCOPE + "\nyes\n", connection, "remove", SCOPE);
        assertThat(noSentence.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(patroni.etcd().get(keys.config())).isPresent();

        CtlRun run = ctl("remove", SCOPE, "--yes-i-am-aware");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Removed cluster " + SCOPE);
        assertThat(patroni.etcd().get(keys.config())).isEmpty();
        assertThat(patroni.etcd().get(keys.history())).isEmpty();
        try (Client client = Client.builder().endpoints(patroni.etcd().clientUrl()).build()) {
            long left = client.getKVClient().get(ByteSequence.from(keys.prefix(), StandardCharsets.UTF_8),
                    io.etcd.jetcd.options.GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount();
            assertThat(left).isZero();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        CtlRun gone = ctl("list");
        assertThat(gone.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(gone.err()).contains("cluster " + SCOPE + " not found");
    }
}
