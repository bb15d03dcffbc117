package io.pgwarden.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.testkit.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dcs} section's TLS and user keys: the agent's (Patroni's etcd3) names, the router's errors. */
class EtcdSecurityConfigTest {

    private static TestCertificates certs;

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void delete() {
        certs.close();
    }

    @Test
    void readsEveryKeyWithPathsRelativeToTheConfigFolder() throws IOException {
        Files.copy(certs.caCert(), dir.resolve("ca.crt"));
        Files.copy(certs.clientCert(), dir.resolve("client.crt"));
        Files.copy(certs.clientKey(), dir.resolve("client.key"));
        Path file = ConfigTestFiles.write(dir, "router.yml", """
                dcs:
                  etcd: [127.0.0.1:2379]
                  protocol: https
                  scope: demo
                  cacert: ca.crt
                  cert: client.crt
                  key: client.key
                  username: router
                  password: secret
                """);

        RouterConfig config = loader.load(file);
        EtcdAccess access = config.dcs().access(file.toString());

        assertThat(access.endpoints()).containsExactly(URI.create("https://127.0.0.1:2379"));
        assertThat(access.security().cacert()).hasValue(dir.resolve("ca.crt"));
        assertThat(access.setting("password")).isEqualTo("dcs.password in " + file);
        assertThat(FlatConfig.of(config)).containsEntry("dcs.password", FlatConfig.HIDDEN)
                .containsEntry("dcs.username", "router");
        assertThat(config.dcs().toString()).doesNotContain("secret");
    }

    @Test
    void aMissingCertificateNamesTheKeyAndTheFile() throws IOException {
        Path file = ConfigTestFiles.write(dir, "router.yml", """
                dcs:
                  etcd: [https://127.0.0.1:2379]
                  scope: demo
                  cert: gone.crt
                  key: gone.key
                """);

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": bad value for key 'dcs.cert': cannot read " + dir.resolve("gone.crt")
                        + ": no such file");
    }

    @Test
    void aCaFileThatIsNotPemNamesTheKeyAndTheFile() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "hello\n");
        Path file = ConfigTestFiles.write(dir, "router.yml", """
                dcs:
                  etcd: [https://127.0.0.1:2379]
                  scope: demo
                  cacert: ca.crt
                """);

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": bad value for key 'dcs.cacert': " + ca
                        + " is not a PEM certificate file (no BEGIN CERTIFICATE block)");
    }

    @Test
    void aUserWithoutPasswordIsRefused() throws IOException {
        Path file = ConfigTestFiles.write(dir, "router.yml", """
                dcs:
                  etcd: [http://127.0.0.1:2379]
                  scope: demo
                  username: router
                """);

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": bad value for key 'dcs.password': is required with username");
    }
}
