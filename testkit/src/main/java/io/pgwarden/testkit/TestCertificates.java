package io.pgwarden.testkit;

import io.pgwarden.local.Commands;
import io.pgwarden.local.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throw-away certificates for TLS tests, made with the {@code openssl} command in a temp dir: a
 * CA; a server certificate it signed for {@code 127.0.0.1} and {@code localhost} (both as subject
 * alternative names); one it signed for another name only ({@code elsewhere.invalid}); a client
 * certificate it signed for CN {@code postgres}; and a second,
 * unrelated CA with a server certificate of its own, for tests where verification must fail.
 * Keys are unencrypted PEM PKCS#8 ({@code BEGIN PRIVATE KEY}) with mode 0600, as libpq and
 * PostgreSQL want them. Everything is valid for a few days. {@link #close()} deletes the directory.
 */
public final class TestCertificates implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TestCertificates.class);
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(60);
    private static final String DAYS = "3";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * Creates every file.
     *
     * @throws IllegalStateException if openssl is missing or fails
     */
    public static TestCertificates create() {
        Path dir = TempDirs.create("pgwarden-tls-");
        TestCertificates certificates = new TestCertificates(dir);
        try {
            certificates.authority("ca", "pgwarden test CA");
            certificates.leaf("server", "127.0.0.1", "ca", "serverAuth", "IP:127.0.0.1, DNS:localhost");
            certificates.leaf("wrong-name-server", "elsewhere.invalid", "ca", "serverAuth", "DNS:elsewhere.invalid");
            certificates.leaf("client", "postgres", "ca", "clientAuth", null);
            certificates.authority("other-ca", "pgwarden unrelated test CA");
            certificates.leaf("other-server", "127.0.0.1", "other-ca", "serverAuth", "IP:127.0.0.1, DNS:localhost");
        } catch (RuntimeException e) {
            certificates.close();
            throw e;
        }
        return certificates;
    }

    /** The directory holding every file. */
    public Path dir() {
        return dir;
    }

    /** The CA that signed {@link #serverCert()} and {@link #clientCert()}. */
    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    /** Signed by {@link #caCert()}; names 127.0.0.1 and localhost. */
    public Path serverCert() {
        return dir.resolve("server.crt");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** Signed by {@link #caCert()}, but for {@code elsewhere.invalid} only: not for 127.0.0.1 or localhost. */
    public Path wrongNameServerCert() {
        return dir.resolve("wrong-name-server.crt");
    }

    public Path wrongNameServerKey() {
        return dir.resolve("wrong-name-server.key");
    }

    /** Signed by {@link #caCert()}; CN postgres. */
    public Path clientCert() {
        return dir.resolve("client.crt");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** A CA that signed nothing the others trust. */
    public Path otherCaCert() {
        return dir.resolve("other-ca.crt");
    }

    /** Signed by {@link #otherCaCert()}; names 127.0.0.1 and localhost. */
    public Path otherServerCert() {
        return dir.resolve("other-server.crt");
    }

    public Path otherServerKey() {
        return dir.resolve("other-server.key");
    }

    @Override
    public void close() {
        try {
            TempDirs.deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private void authority(String name, String commonName) {
        Path config = write(name + ".cnf", """
                [req]
                distinguished_name = dn
                prompt = no
                x509_extensions = ca
                [dn]
                CN = %s
                [ca]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                """.formatted(commonName));
        openssl("req", "-x509", "-config", config.toString(), "-newkey", "rsa:2048", "-nodes",
                "-keyout", key(name).toString(), "-out", cert(name).toString(), "-days", DAYS);
        restrict(key(name));
    }

    private void leaf(String name, String commonName, String issuer, String usage, String altNames) {
        Path request = write(name + ".cnf", """
                [req]
                distinguished_name = dn
                prompt = no
                [dn]
                CN = %s
                """.formatted(commonName));
        Path csr = dir.resolve(name + ".csr");
        openssl("req", "-new", "-config", request.toString(), "-newkey", "rsa:2048", "-nodes",
                "-keyout", key(name).toString(), "-out", csr.toString());
        restrict(key(name));
        Path extensions = write(name + ".ext", """
                [leaf]
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature, keyEncipherment
                extendedKeyUsage = %s
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid
                %s
                """.formatted(usage, altNames == null ? "" : "subjectAltName = " + altNames));
        openssl("x509", "-req", "-in", csr.toString(), "-CA", cert(issuer).toString(), "-CAkey", key(issuer).toString(),
                "-set_serial", String.valueOf(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
                "-days", DAYS, "-extfile", extensions.toString(), "-extensions", "leaf", "-out", cert(name).toString());
    }

    private Path cert(String name) {
        return dir.resolve(name + ".crt");
    }

    private Path key(String name) {
        return dir.resolve(name + ".key");
    }

    private Path write(String file, String content) {
        Path path = dir.resolve(file);
        try {
            Files.writeString(path, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + path, e);
        }
        return path;
    }

    private static void restrict(Path key) {
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not chmod 600 " + key, e);
        }
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Commands.run(command, Map.of(), dir, OPENSSL_TIMEOUT).requireSuccess(String.join(" ", args.length > 0
                    ? List.of("openssl", args[0]) : List.of("openssl")));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("could not run openssl; install the Debian package openssl", e);
        }
    }
}
