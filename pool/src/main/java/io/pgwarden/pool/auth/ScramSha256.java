package io.pgwarden.pool.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM-SHA-256 primitives (RFC 5802 section 3, RFC 7677) as PostgreSQL uses them.
 *
 * <p>Passwords go through {@link SaslPrep} first and are then encoded as UTF-8, so the keys are
 * the ones PostgreSQL and libpq derive for the same password.
 */
public final class ScramSha256 {

    /** The SASL mechanism name sent in AuthenticationSASL and SASLInitialResponse. */
    public static final String MECHANISM = "SCRAM-SHA-256";
    /** PostgreSQL's default for {@code scram_iterations}. */
    public static final int DEFAULT_ITERATIONS = 4096;
    /** PostgreSQL generates 16-byte salts (SCRAM_DEFAULT_SALT_LEN). */
    public static final int DEFAULT_SALT_LENGTH = 16;
    /** Length of SHA-256 output and therefore of every SCRAM key and proof. */
    public static final int KEY_LENGTH = 32;

    private static final String HMAC = "HmacSHA256";
    private static final byte[] CLIENT_KEY_LABEL = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_KEY_LABEL = "Server Key".getBytes(StandardCharsets.US_ASCII);

    private ScramSha256() {
    }

    /**
     * SaltedPassword := Hi(SASLprep(password), salt, i), i.e. PBKDF2-HMAC-SHA-256 with one 32-byte
     * block. The JDK encodes the {@code char[]} as UTF-8, which is the encoding we want.
     */
    public static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(salt, "salt");
        if (salt.length == 0) {
            throw new IllegalArgumentException("salt must not be empty");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        char[] chars = SaslPrep.prepare(password).toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, KEY_LENGTH * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("cannot derive SCRAM salted password", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    /** ClientKey := HMAC(SaltedPassword, "Client Key"). */
    public static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, CLIENT_KEY_LABEL);
    }

    /** ServerKey := HMAC(SaltedPassword, "Server Key"). */
    public static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, SERVER_KEY_LABEL);
    }

    /** StoredKey := H(ClientKey). */
    public static byte[] storedKey(byte[] clientKey) {
        return sha256(clientKey);
    }

    public static byte[] sha256(byte[] data) {
        Objects.requireNonNull(data, "data");
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks SHA-256", e);
        }
    }

    public static byte[] hmac(byte[] key, byte[] message) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
        }
    }

    /** HMAC over the UTF-8 bytes of a SCRAM message (AuthMessage is plain text). */
    public static byte[] hmac(byte[] key, String message) {
        return hmac(key, message.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] xor(byte[] a, byte[] b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != b.length) {
            throw new IllegalArgumentException("length mismatch: " + a.length + " vs " + b.length);
        }
        byte[] out = new byte[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    public static byte[] randomSalt(SecureRandom random) {
        byte[] salt = new byte[DEFAULT_SALT_LENGTH];
        random.nextBytes(salt);
        return salt;
    }
}
