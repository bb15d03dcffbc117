package io.pgwarden.ctl.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileReaderTest {

    @TempDir
    Path dir;

    private final ConfigFileReader reader = new ConfigFileReader();

    private FileSettings read(String yaml) throws IOException {
        Path file = dir.resolve("node.yml");
        Files.writeString(file, yaml);
        return reader.read(file);
    }

    @Test
    void theShippedAgentAndRouterFiles() {
        FileSettings agent = reader.read(Path.of("../conf/node1.yml"));
        assertThat(agent.etcd().hosts()).containsExactly("http://127.0.0.1:2379");
        assertThat(agent.scope()).contains("demo");
        assertThat(agent.namespace()).contains("/service/");
        FileSettings router = reader.read(Path.of("../conf/router.yml"));
        assertThat(router.etcd().hosts()).isEmpty(); // the example router runs on a static topology
        assertThat(router.scope()).contains("demo");
    }

    @Test
    void agentFileWithRestAuthentication() throws IOException {
        FileSettings settings = read("""
                name: n1
                scope: prod
                etcd:
                  hosts: [http://10.0.0.1:2379, http://10.0.0.2:2379]
                restapi:
                  listen: 127.0.0.1:8008
                  authentication:
                    username: admin
                    password: s3cret
                  cafile: ca.pem
                """);
        assertThat(settings.etcd().hosts()).hasSize(2);
        assertThat(settings.scope()).contains("prod");
        assertThat(settings.namespace()).isEmpty();
        assertThat(settings.auth()).contains("admin:s3cret");
        assertThat(settings.cacert()).contains(dir.resolve("ca.pem"));
    }

    @Test
    void routerFile() throws IOException {
        FileSettings settings = read("""
                listen: {host: 127.0.0.1}
                dcs:
                  etcd: [http://127.0.0.1:2379]
                  namespace: /pg/
                  scope: orders
                """);
        assertThat(settings.etcd().hosts()).containsExactly("http://127.0.0.1:2379");
        assertThat(settings.namespace()).contains("/pg/");
        assertThat(settings.scope()).contains("orders");
    }

    @Test
    void patroniFileWithBareHostsAndCtlSection() throws IOException {
        FileSettings settings = read("""
                scope: demo
                etcd3:
                  hosts: 127.0.0.1:2379,127.0.0.1:2381
                ctl:
                  insecure: true
                """);
        assertThat(settings.etcd().hosts()).containsExactly("127.0.0.1:2379", "127.0.0.1:2381");
        assertThat(settings.etcdKey("hosts[1]")).isEqualTo("etcd3.hosts[1] in " + dir.resolve("node.yml"));
        assertThat(settings.insecure()).contains(true);
        assertThat(settings.auth()).isEqualTo(Optional.empty());
    }

    @Test
    void etcdSecurityOfAnAgentARouterAndPatroni() throws IOException {
        FileSettings agent = read("""
                scope: s
                etcd:
                  hosts: [https://10.0.0.1:2379]
                  cacert: tls/ca.pem
                  cert: /etc/tls/client.pem
                  key: tls/client.key
                  username: root
                  password: secret
                """);
        assertThat(agent.etcd()).isEqualTo(new EtcdSettings(List.of("https://10.0.0.1:2379"), Optional.empty(),
                Optional.of(dir.resolve("tls/ca.pem")), Optional.of(Path.of("/etc/tls/client.pem")),
                Optional.of(dir.resolve("tls/client.key")), Optional.of("root"), Optional.of("secret")));
        assertThat(agent.etcdKey("password")).isEqualTo("etcd.password in " + dir.resolve("node.yml"));

        FileSettings router = read("""
                dcs:
                  etcd: [https://10.0.0.1:2379]
                  scope: orders
                  cacert: ca.pem
                  username: router
                  password: r
                """);
        assertThat(router.etcd().cacert()).contains(dir.resolve("ca.pem"));
        assertThat(router.etcd().username()).contains("router");
        assertThat(router.etcdKey("hosts[0]")).isEqualTo("dcs.etcd[0] in " + dir.resolve("node.yml"));

        FileSettings patroni = read("""
                scope: demo
                etcd3:
                  host: 10.0.0.1:2379
                  protocol: https
                  cacert: ca.pem
                """);
        assertThat(patroni.etcd().hosts()).containsExactly("10.0.0.1:2379");
        assertThat(patroni.etcd().protocol()).contains("https");
        assertThat(patroni.etcdKey("protocol")).startsWith("etcd3.protocol in ");
    }

    @Test
    void badShapesAreUsageErrorsNamingFileAndKey() throws IOException {
        assertThatThrownBy(() -> read("etcd:\n  hosts: {a: 1}\n"))
                .isInstanceOf(CtlException.class).hasMessageContaining("node.yml").hasMessageContaining("etcd.hosts")
                .satisfies(e -> assertThat(((CtlException) e).exitCode()).isEqualTo(ExitCodes.USAGE));
        assertThatThrownBy(() -> read("restapi:\n  authentication:\n    username: a\n"))
                .hasMessageContaining("restapi.authentication must be username and password");
        assertThatThrownBy(() -> reader.read(dir.resolve("missing.yml"))).hasMessageContaining("does not exist");
    }
}
