package io.pgwarden.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.discovery.etcd.EtcdAccess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code etcd:} section's TLS and user keys (Patroni's etcd3 names), and the errors they give. */
class EtcdSecurityConfigTest extends ConfigWithCertificates {

    @Test
    void readsEveryKeyWithPathsRelativeToTheConfigFile() throws Exception {
        for (Path file : List.of(certs.caCert(), certs.clientCert(), certs.clientKey())) {
            Files.copy(file, dir.resolve(file.getFileName()));
        }
        Path file = files.node("etcd.hosts", List.of("10.0.0.1:2379", "10.0.0.2:2379"), "etcd.protocol", "https",
                "etcd.cacert", "ca.crt", "etcd.cert", "client.crt", "etcd.key", "client.key",
                "etcd.username", "pgwarden", "etcd.password", "secret");

        AgentConfig config = loader.load(file);
        EtcdAccess access = config.etcd().access(file.toString());

        assertThat(config.etcd().cacert()).isEqualTo(dir.resolve("ca.crt"));
        assertThat(access.endpoints()).containsExactly(URI.create("https://10.0.0.1:2379"),
                URI.create("https://10.0.0.2:2379"));
        assertThat(access.security().username()).hasValue("pgwarden");
        assertThat(access.security().password()).hasValue("secret");
        assertThat(access.setting("password")).isEqualTo("etcd.password in " + file);
        assertThat(config.etcd().toString()).doesNotContain("secret");
    }

    @Test
    void patronisEtcd3SectionNameIsAccepted() {
        Path file = files.write("node.yml", """
                name: n1
                scope: demo
                postgresql:
                  data_dir: /var/lib/pgwarden/n1
                  bin_dir: %s
                etcd3:
                  hosts: [127.0.0.1:2379]
                  username: root
                  password: pw
                """.formatted(files.fakeBinDir()));

        AgentConfig config = loader.load(file);

        assertThat(config.etcd().hosts()).containsExactly("127.0.0.1:2379");
        assertThat(config.etcd().username()).isEqualTo("root");
    }

    @Test
    void theDefaultHostFollowsTheProtocol() {
        AgentConfig config = loader.load(files.node("etcd.protocol", "https"));

        assertThat(config.etcd().access("x").endpoints()).containsExactly(URI.create("https://127.0.0.1:2379"));
    }

    @Test
    void aMissingCaFileNamesTheKeyAndTheFile() {
        Path file = files.node("etcd.hosts", List.of("https://127.0.0.1:2379"), "etcd.cacert", "missing-ca.crt");

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(AgentConfigException.class)
                .hasMessage(file + ": bad value for key 'etcd.cacert': cannot read " + dir.resolve("missing-ca.crt")
                        + ": no such file");
    }

    @Test
    void aKeyFileThatIsNotAKeyNamesTheKeyAndTheFile() {
        Path file = files.node("etcd.hosts", List.of("https://127.0.0.1:2379"), "etcd.cert",
                certs.clientCert().toString(), "etcd.key", certs.caCert().toString());

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(AgentConfigException.class)
                .hasMessage(file + ": bad value for key 'etcd.key': " + certs.caCert()
                        + " is not a PEM private key file (no BEGIN PRIVATE KEY block)");
    }

    @Test
    void tlsFilesWithPlainHostsAreRefused() {
        Path file = files.node("etcd.cacert", certs.caCert().toString());

        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("bad value for key 'etcd.cacert': is set, so etcd must be reached over TLS");
    }

    @Test
    void aPasswordWithoutAUserIsRefused() {
        assertThatThrownBy(() -> loader.load(files.node("etcd.password", "pw"))).isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("bad value for key 'etcd.username': is required with password");
    }
}
