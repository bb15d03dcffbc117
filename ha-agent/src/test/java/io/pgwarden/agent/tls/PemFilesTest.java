package io.pgwarden.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {

    private static TestCertificates certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void create() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void delete() {
        certs.close();
    }

    private Path openssl(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        command.addAll(List.of("-out", out.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        return out;
    }

    @Test
    void readsThePkcs8KeyThatBelongsToItsCertificate() {
        PrivateKey key = PemFiles.privateKey(certs.serverKey(), null);
        X509Certificate cert = PemFiles.certificates(certs.serverCert()).get(0);
        assertThat(TlsFiles.keyMatches(key, cert)).isTrue();
        assertThat(TlsFiles.keyMatches(PemFiles.privateKey(certs.clientKey(), null), cert)).isFalse();
    }

    @Test
    void readsEncryptedAndPkcs1RsaKeysToo() throws Exception {
        X509Certificate cert = PemFiles.certificates(certs.serverCert()).get(0);
        Path encrypted = openssl("enc.key", "pkcs8", "-topk8", "-in", certs.serverKey().toString(),
                "-passout", "pass:secret", "-v2", "aes-256-cbc");
        assertThat(Files.readString(encrypted)).contains("BEGIN ENCRYPTED PRIVATE KEY");
        assertThat(TlsFiles.keyMatches(PemFiles.privateKey(encrypted, "secret"), cert)).isTrue();
        assertThatThrownBy(() -> PemFiles.privateKey(encrypted, "wrong")).hasMessageContaining("cannot decrypt");
        assertThatThrownBy(() -> PemFiles.privateKey(encrypted, null)).hasMessageContaining("no password is set");

        Path pkcs1 = openssl("rsa.key", "rsa", "-in", certs.serverKey().toString(), "-traditional");
        assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
        assertThat(TlsFiles.keyMatches(PemFiles.privateKey(pkcs1, null), cert)).isTrue();
    }

    @Test
    void aCertfileMayCarryItsKey() throws Exception {
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(certs.serverCert()) + Files.readString(certs.serverKey()));
        assertThat(PemFiles.holdsPrivateKey(both)).isTrue();
        assertThat(PemFiles.holdsPrivateKey(certs.serverCert())).isFalse();
        assertThat(PemFiles.certificates(both)).hasSize(1);
        assertThat(TlsFiles.keyMatches(PemFiles.privateKey(both, null), PemFiles.certificates(both).get(0))).isTrue();
    }

    @Test
    void saysWhatIsWrongWithTheFile() throws Exception {
        assertThatThrownBy(() -> PemFiles.certificates(certs.serverKey())).hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> PemFiles.privateKey(certs.serverCert(), null)).hasMessageContaining("no PEM private key");
        assertThatThrownBy(() -> PemFiles.certificates(dir.resolve("missing.crt"))).hasMessageContaining("cannot read");
        Path ec = openssl("ec.key", "ecparam", "-genkey", "-name", "prime256v1", "-noout");
        assertThatThrownBy(() -> PemFiles.privateKey(ec, null)).hasMessageContaining("unsupported key type 'EC PRIVATE KEY'");
    }
}
