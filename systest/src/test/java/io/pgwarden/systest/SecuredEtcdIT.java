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
 * setting wrong says so in one line naming the setting; ctl lists the cluster and shows its config with
 * its own flags or the agent's YAML, and names the setting it got wrong. One node keeps it short.
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

    @Test
    void ctlListsAndShowsTheConfigOverTlsWithAPassword() {
        CtlRun list = CtlRun.of("", ctlOptions(certs.caCert(), ROUTER_PASSWORD), "list", "--format", "tsv");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains(SCOPE + "\t" + leader + "\t").contains("Leader");

        // The agent's own YAML: its etcd section's hosts, TLS files and root user.
        List<String> fromYaml = List.of("-c", cluster.node(leader).config().toString());
        CtlRun listFromYaml = CtlRun.of("", fromYaml, "list");
        assertThat(listFromYaml.exit()).as(listFromYaml.toString()).isZero();
        assertThat(listFromYaml.out()).startsWith("+ Cluster: " + SCOPE + " (").contains("| " + leader + " ");
        CtlRun show = CtlRun.of("", fromYaml, "show-config");
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.out()).contains("ttl: 10\n").contains("loop_wait: 2\n");
    }

    @Test
    void ctlWithAWrongPasswordSaysWhichSettingAndExits1() throws Exception {
        CtlRun wrong = CtlRun.of("", ctlOptions(certs.caCert(), "wrong"), "list");
        assertThat(wrong.exit()).as(wrong.toString()).isEqualTo(io.pgwarden.ctl.ExitCodes.FAILED);
        assertThat(wrong.err()).contains("etcd rejected user 'router': authentication failed (--etcd-password)")
                .doesNotContain("Exception");

        Path file = cluster.dir.resolve("wrong-password.yml");
        Files.writeString(file, Files.readString(cluster.node(leader).config())
                .replace(ROOT_PASSWORD, "wrong-" + ROOT_PASSWORD));
        CtlRun fromYaml = CtlRun.of("", List.of("-c", file.toString()), "show-config");
        assertThat(fromYaml.exit()).as(fromYaml.toString()).isEqualTo(io.pgwarden.ctl.ExitCodes.FAILED);
        assertThat(fromYaml.err()).contains("etcd rejected user 'root': authentication failed (etcd.password in "
                + file + ")");

        CtlRun untrusted = CtlRun.of("", ctlOptions(certs.otherCaCert(), ROUTER_PASSWORD), "list");
        assertThat(untrusted.exit()).as(untrusted.toString()).isEqualTo(io.pgwarden.ctl.ExitCodes.FAILED);
        assertThat(untrusted.err()).contains("is not trusted: no CA in " + certs.otherCaCert()
                + " signed it (--etcd-cacert)");

        CtlRun missingCa = CtlRun.of("", ctlOptions(cluster.dir.resolve("no-such-ca.pem"), ROUTER_PASSWORD), "list");
        assertThat(missingCa.exit()).as(missingCa.toString()).isEqualTo(io.pgwarden.ctl.ExitCodes.USAGE);
        assertThat(missingCa.err()).contains("bad value for --etcd-cacert: ").contains("no-such-ca.pem");
    }

    /** ctl's flags for the etcd of this test, as the router's user. */
    private static List<String> ctlOptions(Path cacert, String password) {
        return List.of("--etcd", cluster.etcd.clientUrl(), "--etcd-cacert", cacert.toString(),
                "--etcd-cert", certs.clientCert().toString(), "--etcd-key", certs.clientKey().toString(),
                "--etcd-user", "router", "--etcd-password", password, "--scope", SCOPE, "--timeout", "10");
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
