package io.pgwarden.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Certificates and private keys in PEM files, as Patroni's {@code restapi.certfile}, {@code keyfile} and
 * {@code cafile} hold them. Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}), encrypted PKCS#8 ({@code BEGIN
 * ENCRYPTED PRIVATE KEY}, with a password) and PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}). Every failure
 * is an {@link IllegalArgumentException} saying what is wrong with the file, for the caller to name its key.
 */
public final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemFiles() {
    }

    /** Every certificate in the file, in order (a server's own first, then its chain). */
    public static List<X509Certificate> certificates(Path file) {
        String text = read(file);
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(text)) {
                if (block.type().equals("CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a readable PEM certificate in " + file + ": " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate (BEGIN CERTIFICATE) in " + file);
        }
        return certificates;
    }

    /** Whether the file holds a private key block (a certfile may carry its key, as in Patroni). */
    public static boolean holdsPrivateKey(Path file) {
        return blocks(read(file)).stream().anyMatch(b -> b.type().endsWith("PRIVATE KEY"));
    }

    /**
     * The first private key in the file.
     *
     * @param password for an encrypted key; null or empty when it is not encrypted
     */
    public static PrivateKey privateKey(Path file, String password) {
        Optional<Block> found = blocks(read(file)).stream().filter(b -> b.type().endsWith("PRIVATE KEY")).findFirst();
        Block block = found.orElseThrow(() -> new IllegalArgumentException("no PEM private key in " + file));
        byte[] pkcs8 = switch (block.type()) {
            case "PRIVATE KEY" -> block.der();
            case "ENCRYPTED PRIVATE KEY" -> decrypt(block.der(), password, file);
            case "RSA PRIVATE KEY" -> Pkcs1.wrapRsa(block.der());
            default -> throw new IllegalArgumentException("unsupported key type '" + block.type() + "' in " + file
                    + "; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName());
        };
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("not a readable RSA, EC or EdDSA private key in " + file);
    }

    private static byte[] decrypt(byte[] der, String password, Path file) {
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the private key in " + file + " is encrypted and no password is set");
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
            throw new IllegalArgumentException("cannot decrypt the private key in " + file
                    + " (wrong password, or an encryption Java does not support): " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        }
    }

    private static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad base64 in a PEM " + m.group(1) + " block", e);
            }
        }
        return blocks;
    }

    private record Block(String type, byte[] der) {
    }

    /** PKCS#1 RSA keys carry no algorithm identifier; PKCS#8 wraps them in one. */
    private static final class Pkcs1 {

        private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
                (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        private static final byte[] VERSION = {0x02, 0x01, 0x00};

        static byte[] wrapRsa(byte[] pkcs1) {
            byte[] octets = tagged(0x04, pkcs1);
            byte[] body = new byte[VERSION.length + RSA_ALGORITHM.length + octets.length];
            System.arraycopy(VERSION, 0, body, 0, VERSION.length);
            System.arraycopy(RSA_ALGORITHM, 0, body, VERSION.length, RSA_ALGORITHM.length);
            System.arraycopy(octets, 0, body, VERSION.length + RSA_ALGORITHM.length, octets.length);
            return tagged(0x30, body);
        }

        private static byte[] tagged(int tag, byte[] content) {
            byte[] length = length(content.length);
            byte[] out = new byte[1 + length.length + content.length];
            out[0] = (byte) tag;
            System.arraycopy(length, 0, out, 1, length.length);
            System.arraycopy(content, 0, out, 1 + length.length, content.length);
            return out;
        }

        private static byte[] length(int n) {
            if (n < 0x80) {
                return new byte[] {(byte) n};
            }
            int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
            byte[] out = new byte[bytes + 1];
            out[0] = (byte) (0x80 | bytes);
            for (int i = 0; i < bytes; i++) {
                out[bytes - i] = (byte) (n >>> (8 * i));
            }
            return out;
        }
    }
}
