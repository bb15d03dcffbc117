package io.pgwarden.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.agent.tls.TlsFiles;
import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** restapi.authentication and the TLS keys: read as Patroni names them, every bad file refused at load with its key. */
class AgentConfigRestApiTest {

    private static TestCertificates certs;

    @TempDir
    Path dir;

    private AgentConfigFiles files;
    private final AgentConfigLoader loader = new AgentConfigLoader();

    @BeforeAll
    static void create() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void delete() {
        certs.close();
    }

    @BeforeEach
    void setUp() {
        files = new AgentConfigFiles(dir);
    }

    @Test
    void readsPatronisKeysAndServesHttpsWithThem() throws Exception {
        Files.copy(certs.serverKey(), dir.resolve("server.key"));
        AgentConfig config = loader.load(files.node(
                "restapi.authentication", Map.of("username", "admin", "password", "secret"),
                "restapi.certfile", certs.serverCert().toString(),
                "restapi.keyfile", "server.key", // relative to the file
                "restapi.cafile", certs.caCert().toString(),
                "restapi.verify_client", "optional"));

        AgentConfig.RestApi api = config.restapi();
        assertThat(api.authentication()).isEqualTo(new AgentConfig.User("admin", "secret"));
        assertThat(api.keyfile()).isEqualTo(dir.resolve("server.key"));
        assertThat(api.apiUrl()).isEqualTo("https://127.0.0.1:8008/patroni");
        assertThat(api.tlsFiles()).contains(new TlsFiles(certs.serverCert(), dir.resolve("server.key"), null,
                certs.caCert(), TlsFiles.VerifyClient.OPTIONAL));
        assertThat(loader.load(files.node()).restapi().apiUrl()).isEqualTo("http://127.0.0.1:8008/patroni");
    }

    @Test
    void badFilesAndMismatchesNameTheKeyAndTheFile() {
        assertRefused("restapi.certfile", "cannot read",
                "restapi.certfile", dir.resolve("missing.crt").toString());
        assertRefused("restapi.certfile", "no PEM certificate",
                "restapi.certfile", certs.serverKey().toString(), "restapi.keyfile", certs.serverKey().toString());
        assertRefused("restapi.certfile", "no PEM private key",
                "restapi.certfile", certs.serverCert().toString());
        assertRefused("restapi.keyfile", "the key does not belong to the certificate",
                "restapi.certfile", certs.serverCert().toString(), "restapi.keyfile", certs.clientKey().toString());
        assertRefused("restapi.cafile", "no PEM certificate", "restapi.certfile", certs.serverCert().toString(),
                "restapi.keyfile", certs.serverKey().toString(), "restapi.cafile", certs.serverKey().toString());
        assertRefused("restapi.verify_client", "needs restapi.cafile", "restapi.certfile", certs.serverCert().toString(),
                "restapi.keyfile", certs.serverKey().toString(), "restapi.verify_client", "required");
        assertRefused("restapi.verify_client", "must be one of none, optional, required",
                "restapi.verify_client", "always");
        assertRefused("restapi.keyfile", "needs restapi.certfile", "restapi.keyfile", certs.serverKey().toString());
        assertRefused("restapi.authentication.password", "must not be empty",
                "restapi.authentication", Map.of("username", "admin"));
    }

    private void assertRefused(String key, String message, Object... pairs) {
        Path file = files.node(pairs);
        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(AgentConfigException.class)
                .hasMessageStartingWith(file + ": bad value for key '" + key + "': ")
                .hasMessageContaining(message);
    }
}
