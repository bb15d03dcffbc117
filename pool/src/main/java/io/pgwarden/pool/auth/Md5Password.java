package io.pgwarden.pool.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * PostgreSQL's md5 password scheme (AuthenticationMD5Password, PG docs: protocol-flow).
 *
 * <p>Stored hash: {@code "md5" + hex(md5(password || user))}. Wire response to a 4-byte salt:
 * {@code "md5" + hex(md5(hex-part-of-hash || salt))}. The stored hash is therefore password-equivalent
 * for md5 logins: it both checks clients and logs in to servers. Strings are encoded as UTF-8
 * (PostgreSQL hashes the bytes as sent, which is UTF-8 for any UTF-8 client).
 */
public final class Md5Password {

    public static final String PREFIX = "md5";
    public static final int SALT_LENGTH = 4;

    /** What PostgreSQL (and PgBouncer) treat as an md5 hash rather than a plaintext password. */
    private static final Pattern HASH = Pattern.compile("md5[0-9a-f]{32}");
    private static final HexFormat HEX = HexFormat.of();

    private Md5Password() {
    }

    public static boolean isHash(String text) {
        return text != null && HASH.matcher(text).matches();
    }

    /** The hash PostgreSQL stores with {@code password_encryption = md5}. */
    public static String hash(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return PREFIX + HEX.formatHex(md5(concat(
                password.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))));
    }

    /** The PasswordMessage payload answering AuthenticationMD5Password with {@code salt4}. */
    public static String response(String md5Hash, byte[] salt4) {
        if (!isHash(md5Hash)) {
            throw new IllegalArgumentException("not an md5 hash (expected md5 followed by 32 lowercase hex digits)");
        }
        Objects.requireNonNull(salt4, "salt4");
        if (salt4.length != SALT_LENGTH) {
            throw new IllegalArgumentException("md5 salt must be 4 bytes, got " + salt4.length);
        }
        byte[] hexPart = md5Hash.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        return PREFIX + HEX.formatHex(md5(concat(hexPart, salt4)));
    }

    /**
     * Checks a client's md5 response. {@code storedSecret} is a plaintext password or an md5 hash;
     * like PostgreSQL, anything matching {@code md5[0-9a-f]{32}} is taken as a hash.
     */
    public static boolean verify(String storedSecret, String user, byte[] salt, String clientResponse) {
        Objects.requireNonNull(storedSecret, "storedSecret");
        Objects.requireNonNull(user, "user");
        if (clientResponse == null) {
            return false;
        }
        String hash = isHash(storedSecret) ? storedSecret : hash(user, storedSecret);
        byte[] expected = response(hash, salt).getBytes(StandardCharsets.UTF_8);
        // Constant-time so response timing reveals nothing about the expected value.
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks MD5", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
