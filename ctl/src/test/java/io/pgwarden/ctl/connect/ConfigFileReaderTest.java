package io.pgwarden.ctl.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(agent.etcd()).containsExactly(URI.create("http://127.0.0.1:2379"));
        assertThat(agent.scope()).contains("demo");
        assertThat(agent.namespace()).contains("/service/");
        FileSettings router = reader.read(Path.of("../conf/router.yml"));
        assertThat(router.etcd()).isEmpty(); // the example router runs on a static topology
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
        assertThat(settings.etcd()).hasSize(2);
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
        assertThat(settings.etcd()).containsExactly(URI.create("http://127.0.0.1:2379"));
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
        assertThat(settings.etcd()).containsExactly(URI.create("http://127.0.0.1:2379"), URI.create("http://127.0.0.1:2381"));
        assertThat(settings.insecure()).contains(true);
        assertThat(settings.auth()).isEqualTo(Optional.empty());
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
