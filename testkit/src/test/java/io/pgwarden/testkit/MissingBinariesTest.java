package io.pgwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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
}
