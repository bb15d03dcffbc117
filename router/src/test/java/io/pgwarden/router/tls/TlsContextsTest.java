package io.pgwarden.router.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.pgwarden.local.Commands;
import io.pgwarden.pool.tls.ServerTls;
import io.pgwarden.pool.tls.ServerTlsMode;
import io.pgwarden.pool.tls.TlsHandshakeObserver;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates and keys are loaded at startup; what cannot be used is an error naming key and file. */
class TlsContextsTest {

    private static TestCertificates certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void createCertificates() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() {
        certs.close();
    }

    @Test
    void loadsTheClientSideCertificateKeyAndCa() {
        SslContext context = TlsContexts.forClients(tls(certs.serverCert(), certs.serverKey(), certs.caCert()));

        assertThat(context.isServer()).isTrue();
    }

    @Test
    void aFileThatHoldsNoCertificateNamesTheKeyAndTheFile() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");

        assertThatThrownBy(() -> TlsContexts.forClients(tls(garbage, certs.serverKey(), null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.cert_file")
                .hasMessageContaining(garbage.toString());
    }

    @Test
    void aKeyInTheOldRsaFormatIsRefusedWithHowToConvertIt() {
        Path rsaKey = dir.resolve("rsa.key");
        Commands.run(Duration.ofSeconds(30), "openssl", "rsa", "-in", certs.serverKey().toString(), "-traditional",
                "-out", rsaKey.toString()).requireSuccess("openssl rsa -traditional");

        assertThatThrownBy(() -> TlsContexts.forClients(tls(certs.serverCert(), rsaKey, null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'tls.key_file' (" + rsaKey + ")")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void aCaFileThatHoldsNoCertificateNamesItsKey() throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> TlsContexts.forClients(tls(certs.serverCert(), certs.serverKey(), garbage)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'tls.ca_file' (" + garbage + ")");
        assertThatThrownBy(() -> TlsContexts.forServers(
                new RouterConfig.Server(null, "verify-full", garbage), TlsHandshakeObserver.NONE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'server.tls_ca_file' (" + garbage + ")");
    }

    @Test
    void serverSideContextFollowsTheMode() {
        assertThat(TlsContexts.forServers(new RouterConfig.Server(null), TlsHandshakeObserver.NONE).enabled()).isFalse();
        ServerTls verifying = TlsContexts.forServers(
                new RouterConfig.Server(null, "verify-full", certs.caCert()), TlsHandshakeObserver.NONE);
        assertThat(verifying.mode()).isEqualTo(ServerTlsMode.VERIFY_FULL);
        assertThat(TlsContexts.forServers(new RouterConfig.Server(null, "prefer", null), TlsHandshakeObserver.NONE).mode())
                .isEqualTo(ServerTlsMode.PREFER);
    }

    private static RouterConfig.Tls tls(Path cert, Path key, Path ca) {
        return new RouterConfig.Tls("require", null, null, cert, key, ca);
    }
}
