package io.pgwarden.discovery.pem;

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
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Certificates and private keys in PEM files. Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}), encrypted PKCS#8
 * ({@code BEGIN ENCRYPTED PRIVATE KEY}, with a password) and RSA in PKCS#1 ({@code BEGIN RSA PRIVATE KEY},
 * what cfssl and older openssl write); RSA, EC, Ed25519 or Ed448. Every failure is a {@link PemException}
 * that names the file and says what is wrong with it, for the caller to add its setting.
 */
public final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");
    private static final String CONVERT = "convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in %s -out %s.pk8";

    private PemFiles() {
    }

    /** Every certificate in the file, in order (a CA bundle, or a certificate first and then its chain). */
    public static List<X509Certificate> certificates(Path file) {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JVM has no X.509 support", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks(file)) {
            if (!block.type().equals("CERTIFICATE")) {
                continue;
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new PemException(file + " holds a certificate that cannot be read: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new PemException(file + " is not a PEM certificate file (no BEGIN CERTIFICATE block)");
        }
        return List.copyOf(certificates);
    }

    /** Whether the file holds a private key block (a certificate file may carry its key, as Patroni allows). */
    public static boolean holdsPrivateKey(Path file) {
        return blocks(file).stream().anyMatch(b -> b.type().endsWith("PRIVATE KEY"));
    }

    /**
     * The first private key in the file.
     *
     * @param password for an encrypted key; null or empty when none is set
     */
    public static PrivateKey privateKey(Path file, String password) {
        Block block = blocks(file).stream().filter(b -> b.type().endsWith("PRIVATE KEY")).findFirst()
                .orElseThrow(() -> new PemException(file + " is not a PEM private key file (no BEGIN PRIVATE KEY block)"));
        byte[] pkcs8 = switch (block.type()) {
            case "PRIVATE KEY" -> block.der();
            case "ENCRYPTED PRIVATE KEY" -> decrypt(block.der(), password, file);
            case "RSA PRIVATE KEY" -> Pkcs1.wrapRsa(block.der());
            case "EC PRIVATE KEY" -> throw new PemException(file + " holds an EC key in SEC1 form (BEGIN EC PRIVATE KEY),"
                    + " which is not supported; " + CONVERT.formatted(file, file));
            default -> throw new PemException(file + " holds a key of unsupported type '" + block.type() + "'; "
                    + CONVERT.formatted(file, file));
        };
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new PemException(file + " holds a private key that is not RSA, EC or EdDSA, or is damaged");
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key: it signs what that verifies. */
    public static boolean keyMatches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448: the curve comes with the key
        };
        byte[] probe = "pgwarden".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another type than the certificate's: not a match
        }
    }

    /** {@link #keyMatches}, or a {@link PemException} naming both files. */
    public static void requireMatch(PrivateKey key, X509Certificate certificate, Path keyFile, Path certFile) {
        if (!keyMatches(key, certificate)) {
            throw new PemException(keyFile + " is not the private key of the certificate in " + certFile);
        }
    }

    private static byte[] decrypt(byte[] der, String password, Path file) {
        if (password == null || password.isEmpty()) {
            throw new PemException(file + " holds an encrypted key and no password is set for it; store it unencrypted"
                    + " (readable by this user only), or set its password where the settings have one");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // For PBES2 (openssl's default) the cipher's name is in the parameters, not in getAlgName().
            String algorithm = info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
            SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                    info.getAlgParameters());
            return info.getKeySpec(cipher).getEncoded();
        } catch (IOException | GeneralSecurityException e) {
            throw new PemException("cannot decrypt the private key in " + file
                    + " (wrong password, or an encryption Java does not support): " + e.getMessage(), e);
        }
    }

    private static List<Block> blocks(Path file) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(read(file));
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new PemException(file + " has a PEM " + m.group(1) + " block that is not valid base64", e);
            }
        }
        return blocks;
    }

    private static String read(Path file) {
        try {
            // ISO-8859-1 maps every byte: a comment in another encoding does not stop the read.
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new PemException("cannot read " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new PemException("cannot read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new PemException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private record Block(String type, byte[] der) {
    }

    /** PKCS#1 RSA keys carry no algorithm identifier; PKCS#8 (RFC 5208) wraps them in one, the form the JDK reads. */
    private static final class Pkcs1 {

        /** AlgorithmIdentifier: rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
        private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
                (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

        static byte[] wrapRsa(byte[] pkcs1) {
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
