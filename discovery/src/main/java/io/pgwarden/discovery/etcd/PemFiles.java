package io.pgwarden.discovery.etcd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of an {@link EtcdSecurity} with the JDK alone, so that each problem names its
 * key and file: the client is then built from the parsed objects and never reads the files again.
 */
final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final String CONVERT = "convert it with: openssl pkcs8 -topk8 -nocrypt -in %s -out %s.pk8";

    private PemFiles() {
    }

    /** Every certificate in a PEM file (a CA bundle, or a certificate and its chain). */
    static List<X509Certificate> certificates(Path file, String key) {
        String text = read(file, key);
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher block = BLOCK.matcher(text);
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JVM has no X.509 support", e);
        }
        while (block.find()) {
            if (!block.group(1).equals("CERTIFICATE")) {
                continue;
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(decode(block.group(2), file, key))));
            } catch (CertificateException e) {
                throw new EtcdConfigException(key, file + " holds a certificate that cannot be read: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new EtcdConfigException(key, file + " is not a PEM certificate file (no BEGIN CERTIFICATE block)");
        }
        return List.copyOf(certificates);
    }

    /** The private key in a PEM file: PKCS#8, or RSA in PKCS#1 (what cfssl and older openssl write). */
    static PrivateKey privateKey(Path file, String key) {
        String text = read(file, key);
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(decode(block.group(2), file, key), file, key);
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(Pkcs1.toPkcs8(decode(block.group(2), file, key)), file, key);
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new EtcdConfigException(key, file
                        + " holds an encrypted key; it must be unencrypted (keep it readable by this user only)");
                case "EC PRIVATE KEY" -> throw new EtcdConfigException(key, file
                        + " holds an EC key in SEC1 form (BEGIN EC PRIVATE KEY); " + CONVERT.formatted(file, file));
                default -> {
                    // a certificate in the same file, parameters: look further
                }
            }
        }
        throw new EtcdConfigException(key, file + " is not a PEM private key file (no BEGIN PRIVATE KEY block)");
    }

    /** Whether {@code key} is the private half of the first certificate's public key: sign, then verify. */
    static void requireMatch(PrivateKey privateKey, X509Certificate certificate, Path keyFile, Path certFile, String keyName) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // nothing to compare with here; the TLS handshake will tell
        }
        byte[] probe = "pgwarden".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: not a match
        }
        throw new EtcdConfigException(keyName, keyFile + " is not the private key of the certificate in " + certFile);
    }

    private static PrivateKey pkcs8(byte[] der, Path file, String key) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new EtcdConfigException(key, file + " holds a private key that is not RSA, EC or Ed25519, or is damaged");
    }

    private static byte[] decode(String base64, Path file, String key) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new EtcdConfigException(key, file + " has a PEM block that is not valid base64");
        }
    }

    private static String read(Path file, String key) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new EtcdConfigException(key, "cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new EtcdConfigException(key, "cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new EtcdConfigException(key, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Wraps an RSA key in PKCS#1 form into PKCS#8 (RFC 5208), the form the JDK reads. */
    private static final class Pkcs1 {

        /** AlgorithmIdentifier: rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
        private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
                (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

        static byte[] toPkcs8(byte[] pkcs1) {
            byte[] octets = tlv(0x04, pkcs1);
            byte[] body = new byte[VERSION_0.length + RSA_ALGORITHM.length + octets.length];
            System.arraycopy(VERSION_0, 0, body, 0, VERSION_0.length);
            System.arraycopy(RSA_ALGORITHM, 0, body, VERSION_0.length, RSA_ALGORITHM.length);
            System.arraycopy(octets, 0, body, VERSION_0.length + RSA_ALGORITHM.length, octets.length);
            return tlv(0x30, body);
        }

        private static byte[] tlv(int tag, byte[] value) {
            int n = value.length;
            byte[] length = n < 0x80 ? new byte[] {(byte) n}
                    : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                    : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                    : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
            byte[] out = new byte[1 + length.length + n];
            out[0] = (byte) tag;
            System.arraycopy(length, 0, out, 1, length.length);
            System.arraycopy(value, 0, out, 1 + length.length, n);
            return out;
        }
    }
}
