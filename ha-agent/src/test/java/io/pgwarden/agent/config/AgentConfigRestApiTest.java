package io.pgwarden.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.agent.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** restapi.authentication and the TLS keys: read as Patroni names them, every bad file refused at load with its key. */
class AgentConfigRestApiTest extends ConfigWithCertificates {

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
        assertRefused("restapi.certfile", "is not a PEM certificate file",
                "restapi.certfile", certs.serverKey().toString(), "restapi.keyfile", certs.serverKey().toString());
        assertRefused("restapi.certfile", "is not a PEM private key file",
                "restapi.certfile", certs.serverCert().toString());
        assertRefused("restapi.keyfile", "the key does not belong to the certificate",
                "restapi.certfile", certs.serverCert().toString(), "restapi.keyfile", certs.clientKey().toString());
        assertRefused("restapi.cafile", "is not a PEM certificate file", "restapi.certfile", certs.serverCert().toString(),
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
