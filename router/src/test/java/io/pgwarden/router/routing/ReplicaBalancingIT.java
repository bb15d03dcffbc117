package io.pgwarden.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgwarden.local.ClientTools;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The replica port in transaction mode with clients that connect, run one query and leave (psql
 * -c): they spread over the replicas. Each client's login and its one transaction both need a
 * server; only the transaction may move the replicas' turn, or with two replicas every such client
 * lands on the same one.
 */
@Timeout(300)
class ReplicaBalancingIT {

    private static final int CLIENTS = 10;
    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);

    private static PostgresCluster cluster;
    private static Path userList;

    @BeforeAll
    static void start() throws Exception {
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(3));
        userList = RouterFixture.writeUserList(cluster.tempDir());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A transaction-mode router whose static topology lists the primary and {@code replicas}. */
    private static RouterServer router(List<RouterConfig.Member> replicas) throws InterruptedException {
        RouterConfig base = RouterFixture.baseConfig(cluster, userList);
        List<RouterConfig.Member> members = new ArrayList<>();
        members.add(member(cluster.primary(), "primary"));
        members.addAll(replicas);
        return RouterServer.start(new RouterConfig(base.listen(), new RouterConfig.Topology("test", members), base.auth(),
                new RouterConfig.Pool("transaction", null, null, null, null, null, null), base.limits(), base.routing(),
                base.server(), base.dcs(), base.admin(), base.tls()));
    }

    private static RouterConfig.Member member(PostgresNode node, String role) {
        return new RouterConfig.Member(node.name(), node.host(), node.port(), role);
    }

    /** Runs {@link #CLIENTS} one-query psql clients on the replica port: how many each server port answered. */
    private static Map<Integer, Long> oneQueryClients(RouterServer router) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String out = ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", router.port(ListenerRole.REPLICA), RouterFixture.USER,
                    RouterFixture.PASSWORD, "postgres", "-At", "-c", "select inet_server_port()")
                    .requireSuccess("psql on the replica port").stdout().strip();
            ports.add(Integer.parseInt(out));
        }
        return ports.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static int portOf(int replica) {
        return cluster.replicas().get(replica).port();
    }

    @Test
    void oneQueryClientsSpreadOverTwoReplicas() throws Exception {
        try (RouterServer router = router(List.of(member(cluster.replicas().get(0), "replica"),
                member(cluster.replicas().get(1), "replica")))) {
            Map<Integer, Long> perPort = oneQueryClients(router);
            assertThat(perPort.keySet()).containsExactlyInAnyOrder(portOf(0), portOf(1));
            assertThat(perPort.values()).allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(3));
        }
    }

    @Test
    void oneQueryClientsSpreadOverThreeReplicas() throws Exception {
        try (RouterServer router = router(cluster.replicas().stream().map(r -> member(r, "replica")).toList())) {
            Map<Integer, Long> perPort = oneQueryClients(router);
            assertThat(perPort.keySet()).containsExactlyInAnyOrder(portOf(0), portOf(1), portOf(2));
            assertThat(perPort.values()).allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(3));
        }
    }

    @Test
    void aReplicaThatIsDownIsLoggedOnceNotPerTransaction() throws Exception {
        RouterConfig.Member gone = new RouterConfig.Member("gone", "127.0.0.1", FreePorts.next(), "replica");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> capture = new ListAppender<>();
        capture.setContext(root.getLoggerContext());
        capture.start();
        root.addAppender(capture);
        try (RouterServer router = router(List.of(member(cluster.replicas().get(0), "replica"), gone))) {
            Map<Integer, Long> perPort = oneQueryClients(router);
            assertThat(perPort).containsOnlyKeys(portOf(0));
        } finally {
            root.detachAppender(capture);
        }
        List<String> aboutGone;
        synchronized (capture) {
            aboutGone = capture.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("gone") && m.contains("unreachable"))
                    .toList();
        }
        assertThat(aboutGone).as("half of the %d transactions tried the down replica first", CLIENTS).hasSize(1);
    }
}
