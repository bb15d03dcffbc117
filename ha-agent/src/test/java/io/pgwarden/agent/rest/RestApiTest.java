package io.pgwarden.agent.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real HTTP server on a free loopback port, fed hand-built snapshots: the status codes HAProxy and
 * Kubernetes read, on Patroni's paths, and the JSON other agents and patronictl-style readers read.
 */
@Timeout(30)
class RestApiTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final PatroniKeys KEYS = PatroniKeys.of("demo");

    private final AtomicReference<NodeStatus> status = new AtomicReference<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private PrometheusMeterRegistry registry;
    private AgentMetrics metrics;
    private RestApi api;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new AgentMetrics(registry, status::get, Clock.fixed(NOW, ZoneOffset.UTC));
        status.set(NodeStatus.starting("node1", "demo", "0.1.0"));
        api = RestApi.start("127.0.0.1", 0, status::get, registry, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    // Snapshots

    private static PatroniCluster cluster(String leader, String config) {
        Map<String, String> kvs = new LinkedHashMap<>();
        if (leader != null) {
            kvs.put(KEYS.prefix() + "leader", leader);
        }
        kvs.put(KEYS.prefix() + "members/node1", "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\","
                + "\"api_url\":\"http://127.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"primary\","
                + "\"version\":\"3.0.2\",\"xlog_location\":50331744,\"timeline\":2}");
        kvs.put(KEYS.prefix() + "members/node2", "{\"conn_url\":\"postgres://127.0.0.2:5433/postgres\","
                + "\"api_url\":\"http://127.0.0.2:8008/patroni\",\"state\":\"running\",\"role\":\"replica\","
                + "\"version\":\"3.0.2\",\"xlog_location\":50331000,\"replay_lsn\":50331000,\"receive_lsn\":50331744,"
                + "\"replication_state\":\"streaming\",\"timeline\":2,\"tags\":{\"nofailover\":true}}");
        kvs.put(KEYS.prefix() + "members/node3", "{\"conn_url\":\"postgres://127.0.0.3:5432/postgres\","
                + "\"api_url\":\"http://127.0.0.3:8008/patroni\",\"state\":\"starting\",\"role\":\"replica\","
                + "\"version\":\"3.0.2\"}");
        if (config != null) {
            kvs.put(KEYS.prefix() + "config", config);
        }
        kvs.put(KEYS.prefix() + "sync", "{\"leader\":\"node1\",\"sync_standby\":\"node2\"}");
        kvs.put(KEYS.prefix() + "status", "{\"optime\":50331800}");
        kvs.put(KEYS.prefix() + "history",
                "[[1,25623960,\"no recovery target specified\",\"2019-09-23T16:57:57+02:00\",\"node1\"]]");
        PatroniCluster cluster = PatroniCluster.decode(KEYS, kvs, new PatroniJson());
        assertThat(cluster.problems()).isEmpty();
        return cluster;
    }

    private static PatroniCluster cluster() {
        return cluster("node1", "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"maximum_lag_on_failover\":1048576,"
                + "\"synchronous_mode\":true,\"postgresql\":{\"parameters\":{\"max_connections\":100}}}");
    }

    private static NodeStatus.Builder primary() {
        return NodeStatus.builder("node1", "demo").agentVersion("0.1.0")
                .role(NodeStatus.PRIMARY).state(NodeStatus.RUNNING).holdsLeaderKey(true)
                .serverVersion(150005).postmasterStartTime(Instant.parse("2026-03-01T11:00:00.352526Z"))
                .timeline(2L).xlogLocation(50331744L).lagBytes(0L)
                .replication(List.of(new ReplicationInfo("replicator", "node2", "127.0.0.2", "streaming", "sync", 1)))
                .dcsLastSeen(Instant.parse("2026-03-01T11:59:58Z")).databaseSystemIdentifier("7268616322854375442")
                .cluster(cluster()).takenAt(NOW);
    }

    private static NodeStatus.Builder replica() {
        return NodeStatus.builder("node2", "demo").agentVersion("0.1.0")
                .role(NodeStatus.REPLICA).state(NodeStatus.RUNNING).holdsLeaderKey(false)
                .serverVersion(150005).postmasterStartTime(Instant.parse("2026-03-01T11:00:00Z"))
                .timeline(2L).receiveLsn(50331744L).replayLsn(50331000L).replicationState("streaming")
                .lagBytes(800L).tags(Map.of("nofailover", true, "zone", "b", "priority", 5))
                .dcsLastSeen(Instant.parse("2026-03-01T11:59:58Z")).cluster(cluster()).takenAt(NOW);
    }

    // HTTP

    private record Answer(int code, String body, HttpResponse<String> response) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(body);
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse("");
        }
    }

    private Answer call(String method, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response);
    }

    private int get(String pathAndQuery) throws IOException, InterruptedException {
        return call("GET", pathAndQuery).code();
    }

    private void serve(NodeStatus.Builder snapshot) {
        status.set(snapshot.build());
    }

    // Primary checks

    @Test
    void theRunningPrimaryHoldingTheKeyAnswersEveryWriteCheck() throws Exception {
        serve(primary());
        for (String path : List.of("/", "/primary", "/read-write", "/master", "/leader", "/read-only",
                "/read-only-sync", "/health", "/readiness", "/liveness", "/primary/")) {
            assertThat(get(path)).as(path).isEqualTo(200);
        }
        for (String path : List.of("/replica", "/sync", "/synchronous", "/async", "/asynchronous",
                "/standby-leader")) {
            assertThat(get(path)).as(path).isEqualTo(503);
        }
    }

    @Test
    void aPrimaryWithoutTheKeyIsNoPrimaryForTheLoadBalancer() throws Exception {
        serve(primary().holdsLeaderKey(false));
        for (String path : List.of("/", "/primary", "/read-write", "/master", "/leader", "/read-only", "/replica",
                "/readiness")) {
            assertThat(get(path)).as(path).isEqualTo(503);
        }
        assertThat(get("/health")).isEqualTo(200);
    }

    @Test
    void aKeyHolderWhosePostgresIsNotRunningGetsNoWrites() throws Exception {
        serve(primary().state("restarting"));
        assertThat(get("/primary")).isEqualTo(503);
        assertThat(get("/read-write")).isEqualTo(503);
        assertThat(get("/read-only")).isEqualTo(503);
        assertThat(get("/health")).isEqualTo(503);
        assertThat(get("/readiness")).isEqualTo(503);
        assertThat(get("/leader")).as("the key is still held").isEqualTo(200);
    }

    @Test
    void primaryChecksIgnoreTagsAndLag() throws Exception {
        serve(primary().lagBytes(null));
        assertThat(get("/primary?tag_nofailover=true")).isEqualTo(200);
        assertThat(get("/?tag_zone=a&lag=0")).isEqualTo(200);
        assertThat(get("/leader?tag_anything=x")).isEqualTo(200);
        assertThat(get("/read-only?tag_zone=a")).as("read-only honours tags, also on the primary").isEqualTo(503);
    }

    @Test
    void theAgentsFirstSnapshotAnswersNothingButLiveness() throws Exception {
        for (String path : List.of("/", "/primary", "/leader", "/replica", "/read-only", "/health", "/readiness",
                "/sync", "/async")) {
            assertThat(get(path)).as(path).isEqualTo(503);
        }
        assertThat(get("/cluster")).isEqualTo(503);
        assertThat(get("/history")).isEqualTo(503);
        assertThat(get("/config")).isEqualTo(502);
        assertThat(get("/patroni")).isEqualTo(200);
    }

    // Replica checks

    @Test
    void aRunningReplicaAnswersTheReadChecks() throws Exception {
        serve(replica());
        for (String path : List.of("/replica", "/read-only", "/async", "/asynchronous", "/health", "/readiness",
                "/liveness", "/replica/")) {
            assertThat(get(path)).as(path).isEqualTo(200);
        }
        for (String path : List.of("/", "/primary", "/read-write", "/master", "/leader", "/sync", "/synchronous",
                "/read-only-sync")) {
            assertThat(get(path)).as(path).isEqualTo(503);
        }
    }

    @Test
    void aReplicaTaggedNoloadbalanceTakesNoReads() throws Exception {
        serve(replica().tags(Map.of("noloadbalance", true)));
        assertThat(get("/replica")).isEqualTo(503);
        assertThat(get("/read-only")).isEqualTo(503);
        assertThat(get("/async")).isEqualTo(503);
        assertThat(get("/health")).isEqualTo(200);

        serve(replica().tags(Map.of("noloadbalance", "false")));
        assertThat(get("/replica")).as("the text false is no tag").isEqualTo(200);
    }

    @Test
    void aReplicaWhosePostgresIsNotRunningTakesNoReads() throws Exception {
        for (String state : List.of("starting", "stopped", "crashed", "creating replica", "restarting")) {
            serve(replica().state(state));
            for (String path : List.of("/replica", "/read-only", "/async", "/health", "/readiness")) {
                assertThat(get(path)).as(state + " " + path).isEqualTo(503);
            }
        }
    }

    @Test
    void lagLimitsCompareTheReplicasLagInBytesOrUnits() throws Exception {
        serve(replica().lagBytes(10_000L));
        assertThat(get("/replica")).isEqualTo(200);
        assertThat(get("/replica?lag=10000")).as("at the limit").isEqualTo(200);
        assertThat(get("/replica?lag=9999")).isEqualTo(503);
        assertThat(get("/replica?lag=16kB")).isEqualTo(200);
        assertThat(get("/replica?lag=9kB")).isEqualTo(503);
        assertThat(get("/replica?lag=10MB")).isEqualTo(200);
        assertThat(get("/replica?lag=1GB")).isEqualTo(200);
        assertThat(get("/async?lag=1024")).isEqualTo(503);
        assertThat(get("/async?lag=1MB")).isEqualTo(200);
        assertThat(get("/read-only?lag=1kB")).isEqualTo(503);
    }

    @Test
    void anUnknownLagFailsALagCheckButNotAPlainOne() throws Exception {
        serve(replica().lagBytes(null));
        assertThat(get("/replica")).isEqualTo(200);
        assertThat(get("/replica?lag=10MB")).isEqualTo(503);
        assertThat(get("/async?lag=10MB")).isEqualTo(503);
        assertThat(get("/readiness")).as("readiness always has a lag limit").isEqualTo(503);
    }

    @Test
    void anUnreadableLagIsABadRequest() throws Exception {
        serve(replica());
        assertThat(get("/replica?lag=ten")).isEqualTo(400);
        assertThat(get("/replica?lag=10mb")).as("units are case-sensitive, as PostgreSQL's").isEqualTo(400);
        assertThat(call("OPTIONS", "/replica?lag=-1").code()).isEqualTo(400);
    }

    @Test
    void tagQueriesMatchTheNodesTagsAsPatroniPrintsThem() throws Exception {
        serve(replica());
        assertThat(get("/replica?tag_nofailover=true")).isEqualTo(200);
        assertThat(get("/replica?tag_nofailover=True")).as("booleans compare lower-case").isEqualTo(503);
        assertThat(get("/replica?tag_nofailover=false")).isEqualTo(503);
        assertThat(get("/replica?tag_zone=b&tag_priority=5")).isEqualTo(200);
        assertThat(get("/replica?tag_zone=b&tag_priority=6")).isEqualTo(503);
        assertThat(get("/replica?tag_clonefrom=true")).as("a tag the node lacks").isEqualTo(503);
        assertThat(get("/health?tag_zone=a")).isEqualTo(503);
        assertThat(get("/read-only?tag_zone=b")).isEqualTo(200);
        assertThat(get("/async?tag_zone=b")).isEqualTo(200);
    }

    @Test
    void replicationStateQueriesMatchTheReplicasState() throws Exception {
        serve(replica());
        assertThat(get("/replica?replication_state=streaming")).isEqualTo(200);
        serve(replica().replicationState("in archive recovery"));
        assertThat(get("/replica")).isEqualTo(200);
        assertThat(get("/replica?replication_state=streaming")).isEqualTo(503);
        assertThat(get("/readiness")).as("readiness wants streaming").isEqualTo(503);
    }

    @Test
    void aSynchronousStandbyAnswersTheSyncChecksNotTheAsyncOnes() throws Exception {
        serve(replica().synchronousStandby(true));
        assertThat(get("/sync")).isEqualTo(200);
        assertThat(get("/synchronous")).isEqualTo(200);
        assertThat(get("/read-only-sync")).isEqualTo(200);
        assertThat(get("/async")).isEqualTo(503);
        assertThat(get("/asynchronous")).isEqualTo(503);
        assertThat(get("/replica")).isEqualTo(200);
        assertThat(get("/sync?lag=100")).isEqualTo(503);

        serve(replica().synchronousStandby(true).cluster(null));
        assertThat(get("/sync")).as("no read of the cluster, nobody knows who is sync").isEqualTo(503);
        assertThat(get("/async")).isEqualTo(503);

        serve(replica().synchronousStandby(true).tags(Map.of("noloadbalance", true)));
        assertThat(get("/sync")).isEqualTo(503);
    }

    // Probes

    @Test
    void livenessFailsOnceTheSnapshotIsOlderThanItsTimeoutUnlessPaused() throws Exception {
        serve(replica().takenAt(NOW.minusSeconds(30)).livenessTimeout(Duration.ofSeconds(30)));
        assertThat(get("/liveness")).isEqualTo(200);
        serve(replica().takenAt(NOW.minusSeconds(31)).livenessTimeout(Duration.ofSeconds(30)));
        assertThat(get("/liveness")).isEqualTo(503);
        assertThat(get("/replica")).as("the other checks still answer from the last snapshot").isEqualTo(200);
        serve(replica().takenAt(NOW.minusSeconds(300)).paused(true));
        assertThat(get("/liveness")).as("a paused agent may sit still").isEqualTo(200);
    }

    @Test
    void readinessWantsALeaderOrAReplicaWithinTheClustersMaximumLag() throws Exception {
        serve(replica().lagBytes(1_048_576L));
        assertThat(get("/readiness")).isEqualTo(200);
        serve(replica().lagBytes(1_048_577L));
        assertThat(get("/readiness")).isEqualTo(503);
        assertThat(get("/readiness?lag=2MB")).isEqualTo(200);

        serve(replica().lagBytes(2_000_000L).cluster(cluster("node1", "{\"maximum_lag_on_failover\":4194304}")));
        assertThat(get("/readiness")).as("maximum_lag_on_failover from the config key").isEqualTo(200);

        serve(primary().lagBytes(null));
        assertThat(get("/readiness")).isEqualTo(200);
    }

    @Test
    void probesAnswerWithoutABody() throws Exception {
        serve(replica());
        Answer liveness = call("GET", "/liveness");
        assertThat(liveness.code()).isEqualTo(200);
        assertThat(liveness.body()).isEmpty();
        assertThat(call("GET", "/readiness").body()).isEmpty();
    }

    // Methods

    @Test
    void headAndOptionsAnswerTheSameCodeWithoutABody() throws Exception {
        serve(primary());
        for (String method : List.of("HEAD", "OPTIONS")) {
            for (String path : List.of("/", "/primary", "/replica", "/read-only", "/health", "/patroni", "/cluster",
                    "/metrics", "/nope")) {
                Answer get = call("GET", path);
                Answer answer = call(method, path);
                assertThat(answer.code()).as(method + " " + path).isEqualTo(get.code());
                assertThat(answer.body()).as(method + " " + path).isEmpty();
            }
        }
        serve(replica());
        assertThat(call("OPTIONS", "/primary").code()).isEqualTo(503);
        assertThat(call("OPTIONS", "/replica").code()).isEqualTo(200);
        assertThat(call("HEAD", "/replica?lag=100").code()).isEqualTo(503);
    }

    @Test
    void unknownPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        serve(primary());
        assertThat(get("/nope")).isEqualTo(404);
        assertThat(get("/primaryx")).isEqualTo(404);
        Answer post = call("POST", "/primary");
        assertThat(post.code()).isEqualTo(405);
        assertThat(post.response().headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    }

    // JSON

    @Test
    void healthChecksAnswerWithTheNodesStatusLikePatroni() throws Exception {
        serve(replica());
        Answer answer = call("GET", "/primary");
        assertThat(answer.code()).isEqualTo(503);
        assertThat(answer.contentType()).isEqualTo("application/json");
        assertThat(answer.json().path("role").asText()).isEqualTo("replica");
        assertThat(answer.json().path("patroni").path("name").asText()).isEqualTo("node2");
    }

    @Test
    void patroniShowsThePrimarysStatusInPatronisFields() throws Exception {
        serve(primary());
        Answer answer = call("GET", "/patroni");
        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("application/json");
        JsonNode json = answer.json();
        assertThat(json.path("state").asText()).isEqualTo("running");
        assertThat(json.path("postmaster_start_time").asText()).isEqualTo("2026-03-01 11:00:00.352526+00:00");
        assertThat(json.path("role").asText()).isEqualTo("primary");
        assertThat(json.path("server_version").asInt()).isEqualTo(150005);
        assertThat(json.path("xlog").path("location").asLong()).isEqualTo(50331744L);
        assertThat(json.path("xlog").has("received_location")).isFalse();
        assertThat(json.path("timeline").asLong()).isEqualTo(2);
        JsonNode replication = json.path("replication").path(0);
        assertThat(replication.path("usename").asText()).isEqualTo("replicator");
        assertThat(replication.path("application_name").asText()).isEqualTo("node2");
        assertThat(replication.path("client_addr").asText()).isEqualTo("127.0.0.2");
        assertThat(replication.path("state").asText()).isEqualTo("streaming");
        assertThat(replication.path("sync_state").asText()).isEqualTo("sync");
        assertThat(replication.path("sync_priority").asInt()).isEqualTo(1);
        assertThat(json.has("cluster_unlocked")).isFalse();
        assertThat(json.has("pause")).isFalse();
        assertThat(json.path("dcs_last_seen").asLong()).isEqualTo(Instant.parse("2026-03-01T11:59:58Z").getEpochSecond());
        assertThat(json.path("database_system_identifier").asText()).isEqualTo("7268616322854375442");
        assertThat(json.path("patroni").path("version").asText()).isEqualTo("0.1.0");
        assertThat(json.path("patroni").path("scope").asText()).isEqualTo("demo");
        assertThat(json.path("patroni").path("name").asText()).isEqualTo("node1");
        List<String> order = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(order::add);
        assertThat(order).as("Patroni's order").containsSubsequence("state", "postmaster_start_time", "role",
                "server_version", "xlog", "timeline", "replication", "dcs_last_seen", "patroni");
    }

    @Test
    void patroniShowsTheReplicasPositionsTagsAndFlags() throws Exception {
        serve(replica().paused(true).pendingRestart(true).synchronousStandby(true).replayPaused(true)
                .replayedTimestamp(Instant.parse("2026-03-01T11:59:59Z")).cluster(cluster(null, null)));
        JsonNode json = call("GET", "/patroni").json();
        assertThat(json.path("role").asText()).isEqualTo("replica");
        assertThat(json.path("xlog").path("received_location").asLong()).isEqualTo(50331744L);
        assertThat(json.path("xlog").path("replayed_location").asLong()).isEqualTo(50331000L);
        assertThat(json.path("xlog").path("replayed_timestamp").asText()).isEqualTo("2026-03-01 11:59:59+00:00");
        assertThat(json.path("xlog").path("paused").asBoolean()).isTrue();
        assertThat(json.path("xlog").has("location")).isFalse();
        assertThat(json.path("replication_state").asText()).isEqualTo("streaming");
        assertThat(json.path("sync_standby").asBoolean()).isTrue();
        assertThat(json.path("pause").asBoolean()).isTrue();
        assertThat(json.path("pending_restart").asBoolean()).isTrue();
        assertThat(json.path("cluster_unlocked").asBoolean()).as("no leader key").isTrue();
        assertThat(json.path("tags").path("nofailover").asBoolean()).isTrue();
        assertThat(json.path("tags").path("zone").asText()).isEqualTo("b");
        assertThat(json.has("replication")).isFalse();
    }

    @Test
    void patroniOnAStoppedNodeShowsOnlyWhatIsKnown() throws Exception {
        JsonNode json = call("GET", "/patroni").json();
        assertThat(json.path("state").asText()).isEqualTo("stopped");
        assertThat(json.path("role").asText()).isEqualTo("uninitialized");
        assertThat(json.has("xlog")).isFalse();
        assertThat(json.has("server_version")).isFalse();
        assertThat(json.path("cluster_unlocked").asBoolean()).isTrue();
        assertThat(json.path("dcs_last_seen").asLong()).isZero();
        assertThat(json.path("patroni").path("name").asText()).isEqualTo("node1");
    }

    @Test
    void clusterListsTheMemberKeysWithRolesAndLag() throws Exception {
        serve(replica());
        Answer answer = call("GET", "/cluster");
        assertThat(answer.code()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("scope").asText()).isEqualTo("demo");
        assertThat(json.has("pause")).isFalse();
        JsonNode members = json.path("members");
        assertThat(members).hasSize(3);

        JsonNode node1 = members.path(0);
        assertThat(node1.path("name").asText()).isEqualTo("node1");
        assertThat(node1.path("role").asText()).isEqualTo("leader");
        assertThat(node1.path("state").asText()).isEqualTo("running");
        assertThat(node1.path("api_url").asText()).isEqualTo("http://127.0.0.1:8008/patroni");
        assertThat(node1.path("host").asText()).isEqualTo("127.0.0.1");
        assertThat(node1.path("port").asInt()).isEqualTo(5432);
        assertThat(node1.path("timeline").asLong()).isEqualTo(2);
        assertThat(node1.has("lag")).as("the leader has no lag").isFalse();

        JsonNode node2 = members.path(1);
        assertThat(node2.path("name").asText()).isEqualTo("node2");
        assertThat(node2.path("role").asText()).isEqualTo("sync_standby");
        assertThat(node2.path("state").asText()).isEqualTo("streaming");
        assertThat(node2.path("host").asText()).isEqualTo("127.0.0.2");
        assertThat(node2.path("port").asInt()).isEqualTo(5433);
        assertThat(node2.path("tags").path("nofailover").asBoolean()).isTrue();
        // status.optime 50331800 is ahead of the leader's own xlog_location 50331744.
        assertThat(node2.path("lag").asLong()).isEqualTo(800);
        assertThat(node2.path("lsn").asText()).isEqualTo("0/2FFFD78");
        assertThat(node2.path("receive_lag").asLong()).isEqualTo(56);
        assertThat(node2.path("replay_lag").asLong()).isEqualTo(800);

        JsonNode node3 = members.path(2);
        assertThat(node3.path("role").asText()).isEqualTo("replica");
        assertThat(node3.path("state").asText()).isEqualTo("starting");
        assertThat(node3.path("lag").asText()).isEqualTo("unknown");
    }

    @Test
    void clusterShowsPauseAndNoSyncRoleWithoutSynchronousMode() throws Exception {
        serve(replica().cluster(cluster("node1", "{\"ttl\":30,\"pause\":true}")));
        JsonNode json = call("GET", "/cluster").json();
        assertThat(json.path("pause").asBoolean()).isTrue();
        assertThat(json.path("members").path(1).path("role").asText()).isEqualTo("replica");
    }

    @Test
    void clusterWithoutALeaderKeyHasNoLeaderAndUsesStatusForLag() throws Exception {
        serve(replica().cluster(cluster(null, null)));
        JsonNode members = call("GET", "/cluster").json().path("members");
        assertThat(members.path(0).path("role").asText()).isEqualTo("replica");
        assertThat(members.path(0).path("lag").asLong()).isEqualTo(56);
        assertThat(members.path(1).path("lag").asLong()).isEqualTo(800);
    }

    @Test
    void historyIsTheHistoryKeysLines() throws Exception {
        serve(primary());
        Answer answer = call("GET", "/history");
        assertThat(answer.code()).isEqualTo(200);
        JsonNode line = answer.json().path(0);
        assertThat(answer.json()).hasSize(1);
        assertThat(line.path(0).asLong()).isEqualTo(1);
        assertThat(line.path(1).asLong()).isEqualTo(25623960L);
        assertThat(line.path(2).asText()).isEqualTo("no recovery target specified");
        assertThat(line.path(3).asText()).isEqualTo("2019-09-23T16:57:57+02:00");
        assertThat(line.path(4).asText()).isEqualTo("node1");

        serve(primary().cluster(PatroniCluster.decode(KEYS, Map.of(), new PatroniJson())));
        assertThat(call("GET", "/history").body()).isEqualTo("[]");
    }

    @Test
    void configIsTheConfigKeysJson() throws Exception {
        serve(primary());
        Answer answer = call("GET", "/config");
        assertThat(answer.code()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("ttl").asInt()).isEqualTo(30);
        assertThat(json.path("maximum_lag_on_failover").asLong()).isEqualTo(1048576L);
        assertThat(json.path("synchronous_mode").asBoolean()).isTrue();
        assertThat(json.path("postgresql").path("parameters").path("max_connections").asInt()).isEqualTo(100);

        serve(primary().cluster(cluster("node1", null)));
        assertThat(get("/config")).as("no config key: Patroni's 502").isEqualTo(502);
    }

    // Metrics

    @Test
    void metricsAreThePrometheusScrapeOfTheAgentsMeters() throws Exception {
        serve(primary());
        metrics.leaseRenewed();
        metrics.leaseRenewed();
        metrics.leaseRenewalFailed();
        metrics.electionWon();
        metrics.promoted();
        metrics.demoted("switchover");
        Answer answer = call("GET", "/metrics");
        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(answer.body()).contains(
                "pgwarden_agent_role{role=\"primary\"} 1.0",
                "pgwarden_agent_role{role=\"replica\"} 0.0",
                "pgwarden_agent_leader 1.0",
                "pgwarden_agent_postgres_running 1.0",
                "pgwarden_agent_timeline 2.0",
                "pgwarden_agent_lag_bytes 0.0",
                "pgwarden_agent_lease_renewals_total 2.0",
                "pgwarden_agent_lease_renewal_failures_total 1.0",
                "pgwarden_agent_elections_total 1.0",
                "pgwarden_agent_promotions_total 1.0",
                "pgwarden_agent_demotions_total{reason=\"switchover\"} 1.0",
                "pgwarden_agent_status_age_seconds 0.0");

        serve(replica().lagBytes(null).takenAt(NOW.minusSeconds(12)));
        String body = call("GET", "/metrics").body();
        assertThat(body).contains("pgwarden_agent_role{role=\"replica\"} 1.0", "pgwarden_agent_leader 0.0",
                "pgwarden_agent_lag_bytes NaN", "pgwarden_agent_status_age_seconds 12.0");
    }
}
