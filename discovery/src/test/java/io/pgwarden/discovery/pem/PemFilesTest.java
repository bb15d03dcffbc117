package io.pgwarden.discovery.pem;

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
        assertThat(PemFiles.keyMatches(key, cert)).isTrue();
        assertThat(PemFiles.keyMatches(PemFiles.privateKey(certs.clientKey(), null), cert)).isFalse();
    }

    @Test
    void readsEncryptedAndPkcs1RsaKeysToo() throws Exception {
        X509Certificate cert = PemFiles.certificates(certs.serverCert()).get(0);
        Path encrypted = openssl("enc.key", "pkcs8", "-topk8", "-in", certs.serverKey().toString(),
                "-passout", "pass:secret", "-v2", "aes-256-cbc");
        assertThat(Files.readString(encrypted)).contains("BEGIN ENCRYPTED PRIVATE KEY");
        assertThat(PemFiles.keyMatches(PemFiles.privateKey(encrypted, "secret"), cert)).isTrue();
        assertThatThrownBy(() -> PemFiles.privateKey(encrypted, "wrong")).hasMessageContaining("cannot decrypt");
        assertThatThrownBy(() -> PemFiles.privateKey(encrypted, null)).hasMessageContaining("no password is set")
                .hasMessageContaining("store it unencrypted");

        Path pkcs1 = openssl("rsa.key", "rsa", "-in", certs.serverKey().toString(), "-traditional");
        assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
        assertThat(PemFiles.keyMatches(PemFiles.privateKey(pkcs1, null), cert)).isTrue();
    }

    @Test
    void aCertfileMayCarryItsKey() throws Exception {
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(certs.serverCert()) + Files.readString(certs.serverKey()));
        assertThat(PemFiles.holdsPrivateKey(both)).isTrue();
        assertThat(PemFiles.holdsPrivateKey(certs.serverCert())).isFalse();
        assertThat(PemFiles.certificates(both)).hasSize(1);
        assertThat(PemFiles.keyMatches(PemFiles.privateKey(both, null), PemFiles.certificates(both).get(0))).isTrue();
    }

    @Test
    void readsEdDsaKeysAndTellsWhoseTheyAre() throws Exception {
        for (String algorithm : List.of("ed25519", "ed448")) {
            Path key = openssl(algorithm + ".key", "genpkey", "-algorithm", algorithm);
            Path cert = openssl(algorithm + ".crt", "req", "-x509", "-key", key.toString(), "-subj", "/CN=pgwarden",
                    "-days", "1");
            X509Certificate certificate = PemFiles.certificates(cert).get(0);
            assertThat(PemFiles.keyMatches(PemFiles.privateKey(key, null), certificate)).as(algorithm).isTrue();
            assertThat(PemFiles.keyMatches(PemFiles.privateKey(certs.serverKey(), null), certificate)).isFalse();
        }
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingBothFiles() {
        X509Certificate cert = PemFiles.certificates(certs.serverCert()).get(0);
        PemFiles.requireMatch(PemFiles.privateKey(certs.serverKey(), null), cert, certs.serverKey(), certs.serverCert());
        assertThatThrownBy(() -> PemFiles.requireMatch(PemFiles.privateKey(certs.clientKey(), null), cert,
                certs.clientKey(), certs.serverCert())).isInstanceOf(PemException.class)
                .hasMessage(certs.clientKey() + " is not the private key of the certificate in " + certs.serverCert());
    }

    @Test
    void saysWhatIsWrongWithTheFile() throws Exception {
        assertThatThrownBy(() -> PemFiles.certificates(certs.serverKey())).isInstanceOf(PemException.class)
                .hasMessage(certs.serverKey() + " is not a PEM certificate file (no BEGIN CERTIFICATE block)");
        assertThatThrownBy(() -> PemFiles.privateKey(certs.serverCert(), null))
                .hasMessage(certs.serverCert() + " is not a PEM private key file (no BEGIN PRIVATE KEY block)");
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> PemFiles.certificates(missing)).hasMessage("cannot read " + missing + ": no such file");
        Path ec = openssl("ec.key", "ecparam", "-genkey", "-name", "prime256v1");
        assertThat(Files.readString(ec)).contains("BEGIN EC PARAMETERS");
        assertThatThrownBy(() -> PemFiles.privateKey(ec, null))
                .hasMessageContaining(ec + " holds an EC key in SEC1 form (BEGIN EC PRIVATE KEY)")
                .hasMessageEndingWith("openssl pkcs8 -topk8 -nocrypt -in " + ec + " -out " + ec + ".pk8");
        Path badBase64 = Files.writeString(dir.resolve("bad.crt"), "-----BEGIN CERTIFICATE-----\nAB=CD\n"
                + "-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.certificates(badBase64))
                .hasMessage(badBase64 + " has a PEM CERTIFICATE block that is not valid base64");
    }
}
