package io.pgwarden.discovery.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.local.Commands;
import io.pgwarden.testkit.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Endpoints, TLS files and user as a config section gives them; every refusal names its key and file. */
class EtcdAccessTest {

    private static final List<String> HTTPS = List.of("https://127.0.0.1:2379");
    private static TestCertificates certs;

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void delete() {
        certs.close();
    }

    @Test
    void bareHostsTakeTheProtocolAndEtcdsPort() {
        EtcdAccess access = EtcdAccess.parse("hosts", List.of("10.0.0.1:2379", "etcd2", "[::1]:2380"), "https",
                EtcdSecurity.NONE);

        assertThat(access.endpoints()).containsExactly(URI.create("https://10.0.0.1:2379"),
                URI.create("https://etcd2:2379"), URI.create("https://[::1]:2380"));
        assertThat(access.usesTls()).isTrue();
        assertThat(EtcdAccess.parse("hosts", List.of("127.0.0.1:2379"), null, EtcdSecurity.NONE).endpoints())
                .containsExactly(URI.create("http://127.0.0.1:2379"));
    }

    @Test
    void aUrlOfTheOtherProtocolIsRefused() {
        refused(() -> EtcdAccess.parse("hosts", List.of("http://127.0.0.1:2379"), "https", EtcdSecurity.NONE),
                "hosts[0]").hasMessageContaining("is http:// but protocol is https");
        refused(() -> EtcdAccess.parse("hosts", HTTPS, "tls", EtcdSecurity.NONE), "protocol")
                .hasMessageContaining("must be http or https, got 'tls'");
    }

    @Test
    void tlsFilesNeedHttps() {
        refused(() -> parse(List.of("http://127.0.0.1:2379"), certs.caCert(), null, null, null, null), "cacert")
                .hasMessageContaining("use https:// URLs (or protocol: https)");
    }

    @Test
    void certificateAndKeyGoTogether() {
        refused(() -> parse(HTTPS, null, certs.clientCert(), null, null, null), "key").hasMessageContaining("with cert");
        refused(() -> parse(HTTPS, null, null, certs.clientKey(), null, null), "cert").hasMessageContaining("with key");
    }

    @Test
    void userAndPasswordGoTogether() {
        refused(() -> parse(HTTPS, null, null, null, "root", null), "password").hasMessageContaining("with username");
        refused(() -> parse(HTTPS, null, null, null, null, "secret"), "username").hasMessageContaining("with password");
    }

    @Test
    void aMissingFileIsNamedWithItsKey() {
        Path missing = certs.dir().resolve("nope.crt");
        refused(() -> parse(HTTPS, missing, null, null, null, null), "cacert")
                .hasMessageContaining("cannot read " + missing + ": no such file");
    }

    @Test
    void aFileThatIsNotPemIsNamedWithItsKey() throws IOException {
        Path garbage = Files.writeString(certs.dir().resolve("garbage.crt"), "not a certificate\n");
        refused(() -> parse(HTTPS, garbage, null, null, null, null), "cacert")
                .hasMessageContaining(garbage + " is not a PEM certificate file");
        refused(() -> parse(HTTPS, null, certs.clientCert(), certs.clientCert(), null, null), "key")
                .hasMessageContaining(certs.clientCert() + " is not a PEM private key file");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        refused(() -> parse(HTTPS, certs.caCert(), certs.clientCert(), certs.serverKey(), null, null), "key")
                .hasMessageContaining(certs.serverKey() + " is not the private key of the certificate in "
                        + certs.clientCert());
    }

    @Test
    void rsaKeysInPkcs1FormAreRead() {
        Path pkcs1 = certs.dir().resolve("client-pkcs1.key");
        Commands.run(Duration.ofSeconds(30), "openssl", "pkey", "-in", certs.clientKey().toString(), "-traditional",
                "-out", pkcs1.toString()).requireSuccess("openssl pkey -traditional");

        EtcdAccess access = parse(HTTPS, certs.caCert(), certs.clientCert(), pkcs1, null, null);

        assertThat(access.tlsMaterial()).hasValueSatisfying(tls -> assertThat(tls.key()).isPresent());
    }

    @Test
    void settingsAreNamedAsTheFileWritesThem() {
        EtcdAccess access = parse(HTTPS, certs.caCert(), null, null, "root", "pw").from("etcd.", "/etc/node1.yml");

        assertThat(access.setting("password")).isEqualTo("etcd.password in /etc/node1.yml");
        assertThat(access.setting("cert", "key")).isEqualTo("etcd.cert and etcd.key in /etc/node1.yml");
        assertThat(access.toString()).contains("user 'root'").doesNotContain("pw");
    }

    @Test
    void refusalsThatEtcdExplainsAreNamed() {
        EtcdAccess access = parse(HTTPS, null, null, null, "root", "bad").from("dcs.", "router.yml");

        assertThat(EtcdFailures.fromError(new RuntimeException(
                "INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password"), access))
                .hasValue("etcd rejected user 'root': authentication failed (dcs.password in router.yml)");
        assertThat(EtcdFailures.fromError(new RuntimeException("PERMISSION_DENIED: etcdserver: permission denied"),
                access)).hasValueSatisfying(m -> assertThat(m).startsWith("etcd denied user 'root' access"));
        assertThat(EtcdFailures.fromError(new RuntimeException("UNAVAILABLE: io exception"), access)).isEmpty();
    }

    private static EtcdAccess parse(List<String> hosts, Path cacert, Path cert, Path key, String user, String password) {
        return EtcdAccess.parse(hosts, null, cacert, cert, key, user, password);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String key) {
        return assertThatThrownBy(call).isInstanceOf(EtcdConfigException.class)
                .satisfies(e -> assertThat(((EtcdConfigException) e).key()).isEqualTo(key));
    }
}
