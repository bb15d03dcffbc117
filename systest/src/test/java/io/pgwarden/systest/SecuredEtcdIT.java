package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgwarden.agent.local.AgentProcess;
import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.discovery.etcd.EtcdProblemLog;
import io.pgwarden.discovery.etcd.EtcdSecurity;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.local.FreePorts;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * etcd that requires TLS, client certificates and a password: an agent bootstraps a cluster on it,
 * the router follows that cluster with a user of its own, and an agent or a router that gets a
 * setting wrong says so in one line naming the setting. One node keeps it short.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SecuredEtcdIT {

    private static final String SCOPE = "secured";
    private static final String ROOT_PASSWORD = "root-secret";
    private static final String ROUTER_PASSWORD = "router-secret";

    private static TestCertificates certs;
    private static AgentCluster<EtcdServer> cluster;
    private static String leader;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create();
        EtcdServer etcd = EtcdServer.start(EtcdServer.Options.loopback().withTls(EtcdServer.Tls.requiringClientCerts(
                certs.serverCert(), certs.serverKey(), certs.caCert(), certs.clientCert(), certs.clientKey())));
        etcd.enableAuth(ROOT_PASSWORD);
        etcd.addUser("router", ROUTER_PASSWORD, "/service/" + SCOPE + "/");
        cluster = AgentCluster.start(options(SCOPE, ROOT_PASSWORD), etcd);
        leader = cluster.awaitLeader(Duration.ofSeconds(60));
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

    @Test
    void theAgentBootstrapsAndLeadsOnSecuredEtcd() throws Exception {
        assertThat(leader).isEqualTo("node1");
        assertThat(cluster.etcd.get(cluster.keys.member("node1")).orElseThrow()).contains("\"role\":\"primary\"");
        assertThat(Files.readString(cluster.node("node1").log())).doesNotContain("EtcdProblemLog");
    }

    @Test
    void theRouterFollowsTheLeaderOverTlsWithItsOwnUser() throws Exception {
        cluster.startRouter(dcs -> dcs.withSecurity(null, certs.caCert(), certs.clientCert(), certs.clientKey(),
                "router", ROUTER_PASSWORD));

        int port = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Connection c = connect(cluster.routerUrl(ListenerRole.PRIMARY)); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT inet_server_port() WHERE NOT pg_is_in_recovery()")) {
                return r.next() ? r.getInt(1) : null;
            }
        }, java.util.Objects::nonNull);
        assertThat(port).isEqualTo(cluster.node(leader).pgPort());
    }

    @Test
    void anAgentWithAWrongPasswordSaysSoOnce() throws Exception {
        Path dir = AgentCluster.newDir();
        LocalCluster bad = LocalCluster.create(dir, cluster.etcd.clientUrls(), options(SCOPE + "-bad", "wrong"),
                FreePorts::next);
        try {
            bad.startAll();
            AgentProcess node = bad.node("node1");
            String line = "etcd rejected user 'root': authentication failed (etcd.password in " + node.config() + ")";
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(node.log())
                    && Files.readString(node.log()).contains(line));
            // The loop keeps reading every loop_wait (2 s) and failing: the log still says it once.
            Thread.sleep(5_000);
            String log = Files.readString(node.log());
            assertThat(log.split(java.util.regex.Pattern.quote(line), -1)).hasSize(2);
            assertThat(log).doesNotContain("Exception");
        } finally {
            bad.close();
        }
    }

    @Test
    void aRouterThatDoesNotTrustEtcdSaysWhichCaFile() throws Exception {
        ListAppender<ILoggingEvent> problems = new ListAppender<>();
        problems.start();
        Logger logger = (Logger) LoggerFactory.getLogger(EtcdProblemLog.class);
        logger.addAppender(problems);
        Path users = Files.writeString(cluster.dir.resolve("untrusting-users.txt"), UserList.entry("postgres", "postgres"));
        RouterConfig config = new RouterConfig(new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                new RouterConfig.Topology(SCOPE, List.of()), new RouterConfig.Auth(users, null), null, null, null, null,
                new RouterConfig.Dcs(cluster.etcd.clientUrls(), "/service/", SCOPE, Duration.ofMillis(500),
                        Duration.ofSeconds(2), Duration.ofSeconds(10))
                        .withSecurity(null, certs.otherCaCert(), certs.clientCert(), certs.clientKey(), "router",
                                ROUTER_PASSWORD));
        try (RouterServer router = RouterServer.start(config)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !errors(problems).isEmpty());
            assertThat(errors(problems)).containsExactly("etcd's certificate at " + cluster.etcd.clientUrl()
                    + " is not trusted: no CA in " + certs.otherCaCert() + " signed it (dcs.cacert in config)");
        } finally {
            logger.detachAppender(problems);
        }
    }

    private static List<String> errors(ListAppender<ILoggingEvent> appender) {
        return appender.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static LocalCluster.Options options(String scope, String password) {
        return LocalCluster.Options.defaults(scope).withNodes(1).withSynchronousMode("off", false)
                .withEtcdSecurity(EtcdSecurity.of(certs.caCert(), certs.clientCert(), certs.clientKey(), "root",
                        password));
    }

    private static Connection connect(String url) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty("connectTimeout", "3");
        props.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(url, props);
    }
}
