package io.pgwarden.pool.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A stored SCRAM-SHA-256 secret, as in {@code pg_authid.rolpassword}:
 * {@code SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>}.
 *
 * <p>Arrays are copied in and out so the value stays immutable; equality compares contents.
 * {@link #toString()} hides the keys: StoredKey and ServerKey together let anyone impersonate the
 * server to a client, so they must not reach logs.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    public static final String PREFIX = ScramSha256.MECHANISM + "$";

    public ScramVerifier {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (salt.length == 0) {
            throw new IllegalArgumentException("salt must not be empty");
        }
        if (storedKey.length != ScramSha256.KEY_LENGTH || serverKey.length != ScramSha256.KEY_LENGTH) {
            throw new IllegalArgumentException("StoredKey and ServerKey must be " + ScramSha256.KEY_LENGTH + " bytes");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** Derives the verifier PostgreSQL would store for this password, salt and iteration count. */
    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        byte[] salted = ScramSha256.saltedPassword(password, salt, iterations);
        try {
            byte[] clientKey = ScramSha256.clientKey(salted);
            return new ScramVerifier(iterations, salt, ScramSha256.storedKey(clientKey), ScramSha256.serverKey(salted));
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /** As PostgreSQL's CREATE ROLE ... PASSWORD does: a fresh 16-byte salt and 4096 iterations. */
    public static ScramVerifier fromPassword(String password, SecureRandom random) {
        return fromPassword(password, ScramSha256.randomSalt(random), ScramSha256.DEFAULT_ITERATIONS);
    }

    /** Whether the text looks like a SCRAM verifier at all (PostgreSQL's own test is the same prefix). */
    public static boolean looksLikeVerifier(String text) {
        return text != null && text.startsWith(PREFIX);
    }

    /**
     * Parses PostgreSQL's text form. Errors never quote the input, which is a secret.
     *
     * @throws IllegalArgumentException if the text is not a well-formed verifier
     */
    public static ScramVerifier parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("SCRAM verifier must start with " + PREFIX);
        }
        // <iter>:<salt>$<StoredKey>:<ServerKey>; base64 never contains ':' or '$'.
        String[] halves = text.substring(PREFIX.length()).split("\\$", -1);
        if (halves.length != 2) {
            throw new IllegalArgumentException("SCRAM verifier must have the form " + PREFIX + "<iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        String[] params = halves[0].split(":", -1);
        String[] keys = halves[1].split(":", -1);
        if (params.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("SCRAM verifier must have the form " + PREFIX + "<iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(params[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SCRAM verifier has an invalid iteration count");
        }
        return new ScramVerifier(iterations, decode(params[1], "salt"), decode(keys[0], "StoredKey"), decode(keys[1], "ServerKey"));
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SCRAM verifier has an invalid base64 " + what);
        }
    }

    /** PostgreSQL's text form; round-trips with {@link #parse(String)}. */
    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** Constant-time on the keys so the comparison cannot be used as an oracle. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier other
                && iterations == other.iterations
                && Arrays.equals(salt, other.salt)
                && MessageDigest.isEqual(storedKey, other.storedKey)
                && MessageDigest.isEqual(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        // Keys left out on purpose: equal verifiers still hash equally, and the hash leaks nothing.
        return 31 * iterations + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + ", keys=<redacted>]";
    }
}
