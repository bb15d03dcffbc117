package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MissingBinariesTest {

    @Test
    void missingPostgresNamesThePackage() {
        PostgresCluster.Options options = PostgresCluster.Options.defaults().withBinDir(Path.of("/nonexistent/pg/bin"));

        assertThatThrownBy(() -> PostgresCluster.start(options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("postgresql-15");
    }

    @Test
    void missingEtcdNamesThePackage() {
        assertThatThrownBy(() -> EtcdServer.start(Path.of("/nonexistent/etcd")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd-server");
        assertThatThrownBy(() -> EtcdCluster.start(Path.of("/nonexistent/etcd"), 3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd-server");
    }

    @Test
    void optionsHaveFastTestDefaultsAndWithers() {
        PostgresCluster.Options defaults = PostgresCluster.Options.defaults();
        assertThat(defaults.replicas()).isZero();
        assertThat(defaults.superuser()).isEqualTo("postgres");
        assertThat(defaults.password()).isEqualTo("postgres");
        assertThat(defaults.authMethod()).isEqualTo(PostgresCluster.AuthMethod.SCRAM_SHA_256);
        assertThat(defaults.maxConnections()).isEqualTo(100);

        PostgresCluster.Options options = defaults.withReplicas(2)
                .withAuthMethod(PostgresCluster.AuthMethod.MD5)
                .withSuperuser("admin", "secret")
                .withSetting("log_statement", "all")
                .withMaxConnections(50);
        assertThat(options.replicas()).isEqualTo(2);
        assertThat(options.authMethod().hbaName()).isEqualTo("md5");
        assertThat(options.authMethod().passwordEncryption()).isEqualTo("md5");
        assertThat(options.superuser()).isEqualTo("admin");
        assertThat(options.extraConfig()).isEqualTo(Map.of("log_statement", "all"));
        assertThat(options.maxConnections()).isEqualTo(50);
        assertThat(PostgresCluster.AuthMethod.TRUST.passwordEncryption()).isEqualTo("scram-sha-256");
    }

    @Test
    void missingPatroniNamesThePackage() {
        PatroniCluster.Options options = PatroniCluster.Options.defaults().withPatroniBinary(Path.of("/nonexistent/patroni"));

        assertThatThrownBy(() -> PatroniCluster.start(options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Debian package patroni");
    }

    @Test
    void missingHaproxyNamesThePackage() {
        HaproxyServer.Options options = HaproxyServer.Options.defaults().withBinary(Path.of("/nonexistent/haproxy"));
        List<HaproxyServer.Backend> backends = List.of(new HaproxyServer.Backend("pg0", "127.0.0.1", 5432, 8008));

        assertThatThrownBy(() -> HaproxyServer.start(backends, options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Debian package haproxy");
    }

    @Test
    void patroniOptionsDefaultsAndTimingRule() {
        PatroniCluster.Options defaults = PatroniCluster.Options.defaults();
        assertThat(defaults.nodes()).isEqualTo(3);
        assertThat(defaults.scope()).isEqualTo("demo");
        assertThat(defaults.keyPrefix()).isEqualTo("/service/demo/");
        assertThat(List.of(defaults.ttl(), defaults.loopWait(), defaults.retryTimeout())).containsExactly(10, 2, 3);
        assertThat(defaults.parameters()).containsEntry("fsync", "off");
        assertThat(defaults.withNamespace("pg").withScope("c1").keyPrefix()).isEqualTo("/pg/c1/");
        assertThat(defaults.withParameter("log_statement", "all").parameters())
                .containsEntry("log_statement", "all").containsEntry("fsync", "off");
        assertThat(defaults.withTag("pg2", "nofailover", true).tags()).isEqualTo(Map.of("pg2", Map.of("nofailover", true)));

        assertThatThrownBy(() -> defaults.withTiming(10, 5, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loop_wait + 2 * retry_timeout <= ttl");
        assertThat(defaults.withTiming(30, 10, 10).ttl()).isEqualTo(30);
    }

    @Test
    void haproxyConfigFollowsPatronisExample() {
        String config = HaproxyServer.config(5000,
                List.of(new HaproxyServer.Backend("pg0", "127.0.0.1", 5432, 8008),
                        new HaproxyServer.Backend("pg1", "127.0.0.1", 5433, 8009)),
                HaproxyServer.Options.defaults(), Path.of("/tmp/x/admin.sock"));
        assertThat(config).contains("listen primary\n", "bind 127.0.0.1:5000\n",
                "option httpchk OPTIONS /primary\n", "http-check expect status 200\n",
                "default-server inter 3000ms fall 3 rise 2 on-marked-down shutdown-sessions\n",
                "server pg0 127.0.0.1:5432 check port 8008\n", "server pg1 127.0.0.1:5433 check port 8009\n");
    }
}
