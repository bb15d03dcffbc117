package io.pgwarden.discovery.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.testkit.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * etcd with TLS, client certificates and a root password (one per class): the topology source
 * follows a cluster through it, and each way of being refused becomes one line naming the setting.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SecuredEtcdIT {

    private static final String PASSWORD = "s3cret";
    private static final String SOURCE = "router.yml";
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    private static final Duration ISOLATION_TIMEOUT = Duration.ofMillis(1500);

    private static TestCertificates certs;
    private static EtcdServer etcd;
    private static Client root;

    private final ListAppender<ILoggingEvent> problems = new ListAppender<>();
    private final PatroniKeys keys = PatroniKeys.of("secured");

    @BeforeAll
    static void start() {
        certs = TestCertificates.create();
        etcd = EtcdServer.start(EtcdServer.Options.loopback().withTls(EtcdServer.Tls.requiringClientCerts(
                certs.serverCert(), certs.serverKey(), certs.caCert(), certs.clientCert(), certs.clientKey())));
        etcd.enableAuth(PASSWORD);
        root = EtcdClients.create(access(certs.caCert(), certs.clientCert(), certs.clientKey(), "root", PASSWORD),
                Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        if (root != null) {
            root.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    @BeforeEach
    void captureProblems() {
        problems.start();
        ((Logger) LoggerFactory.getLogger(EtcdProblemLog.class)).addAppender(problems);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger(EtcdProblemLog.class)).detachAppender(problems);
    }

    @Test
    void theSourceFollowsTheLeaderOverTlsWithAPassword() throws Exception {
        put(keys.member("a"), EtcdTopologySourceIT.member(15431, "master", 100, 1));
        put(keys.leader(), "a");
        try (EtcdTopologySource source = source(access(certs.caCert(), certs.clientCert(), certs.clientKey(), "root",
                PASSWORD))) {
            source.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> source.current().leader().orElse(""), "a"::equals);
            assertThat(source.current().dcsReachable()).isTrue();

            put(keys.member("b"), EtcdTopologySourceIT.member(15432, "master", 200, 2));
            put(keys.leader(), "b");
            await().atMost(Duration.ofSeconds(10)).until(() -> source.current().leader().orElse(""), "b"::equals);
        }
        assertThat(errors()).isEmpty();
    }

    @Test
    void aWrongPasswordIsOneLineNamingTheSetting() {
        try (EtcdTopologySource source = source(access(certs.caCert(), certs.clientCert(), certs.clientKey(), "root",
                "wrong"))) {
            source.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !errors().isEmpty());
            // Reads go on every 200 ms and keep failing: still one line.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> errors().size() == 1);
            assertThat(errors()).containsExactly(
                    "etcd rejected user 'root': authentication failed (dcs.password in " + SOURCE + ")");
            assertThat(source.current().dcsReachable()).isFalse();
        }
    }

    @Test
    void anUntrustedCertificateIsOneLineNamingTheCaFile() {
        try (EtcdTopologySource source = source(access(certs.otherCaCert(), certs.clientCert(), certs.clientKey(),
                "root", PASSWORD))) {
            source.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> !errors().isEmpty());
            assertThat(errors()).containsExactly("etcd's certificate at " + etcd.clientUrl() + " is not trusted: no CA in "
                    + certs.otherCaCert() + " signed it (dcs.cacert in " + SOURCE + ")");
            assertThat(source.current().dcsReachable()).isFalse();
        }
    }

    @Test
    void aCommandLineToolGetsTheReasonForAMissingClientCertificate() {
        EtcdAccess access = access(certs.caCert(), null, null, "root", PASSWORD);
        try (Client client = EtcdClients.create(access, Duration.ofSeconds(2))) {
            Throwable error = failure(client);
            assertThat(EtcdFailures.explain(error, access, Duration.ofSeconds(2))).isEqualTo("etcd at "
                    + etcd.clientUrl() + " requires a client certificate: set dcs.cert and dcs.key in " + SOURCE);
        }
    }

    @Test
    void aCommandLineToolGetsTheReasonForNoUser() {
        EtcdAccess access = access(certs.caCert(), certs.clientCert(), certs.clientKey(), null, null);
        try (Client client = EtcdClients.create(access, Duration.ofSeconds(2))) {
            // etcd takes the certificate's CN (postgres) as the user, who has no role.
            assertThat(EtcdFailures.explain(failure(client), access, Duration.ofSeconds(2)))
                    .startsWith("etcd denied the user named by the CN of " + certs.clientCert() + " access");
        }
    }

    private List<String> errors() {
        return problems.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private EtcdTopologySource source(EtcdAccess access) {
        return new EtcdTopologySource(new EtcdSourceSettings(access, PatroniKeys.DEFAULT_NAMESPACE, keys.scope(),
                CHECK_INTERVAL, ISOLATION_TIMEOUT));
    }

    private static Throwable failure(Client client) {
        try {
            client.getKVClient().get(bytes("/service/secured/leader")).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e;
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("etcd answered a client it should have refused");
    }

    private static EtcdAccess access(Path cacert, Path cert, Path key, String user, String password) {
        return EtcdAccess.parse(List.of(etcd.clientUrl()), null, cacert, cert, key, user, password).from("dcs.", SOURCE);
    }

    private static void put(String key, String value) throws Exception {
        root.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

}
