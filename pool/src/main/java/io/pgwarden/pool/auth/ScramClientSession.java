package io.pgwarden.pool.auth;

import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.KEYS_NOT_USABLE;
import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.PROTOCOL_VIOLATION;
import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.SERVER_NOT_VERIFIED;
import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.SERVER_REJECTED;
import static io.pgwarden.pool.auth.ScramAttributes.decodeBase64;
import static io.pgwarden.pool.auth.ScramAttributes.expect;
import static io.pgwarden.pool.auth.ScramAttributes.malformed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The client half of SCRAM-SHA-256: the pool logging in to PostgreSQL.
 *
 * <p>Two modes. With a password, the keys are derived from the salt and iteration count the server
 * sends. With {@link ScramKeys} (pass-through), the keys were derived earlier for one particular salt
 * and iteration count, so the server must send exactly those; otherwise the login fails with
 * {@link AuthenticationFailedException.Reason#KEYS_NOT_USABLE} instead of a confusing proof error.
 *
 * <p>No channel binding: the GS2 header is always {@code n,,} (we never pick -PLUS). One instance per
 * exchange, used from one thread; after a failure further calls throw {@link IllegalStateException}.
 */
public final class ScramClientSession {

    private enum State { INITIAL, EXPECT_SERVER_FIRST, EXPECT_SERVER_FINAL, SUCCEEDED, FAILED }

    private static final String GS2_HEADER = "n,,";
    /** base64("n,,"), the c= value that matches {@link #GS2_HEADER}. */
    private static final String CHANNEL_BINDING =
            Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.US_ASCII));

    // Exactly one of password / keys is set.
    private final String password;
    private final ScramKeys keys;
    private final byte[] expectedSalt;
    private final int expectedIterations;
    private final String saslUserName;
    private final NonceSource nonces;

    private State state = State.INITIAL;
    private String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    private ScramClientSession(String password, ScramKeys keys, byte[] expectedSalt, int expectedIterations,
                               String saslUserName, NonceSource nonces) {
        this.password = password;
        this.keys = keys;
        this.expectedSalt = expectedSalt;
        this.expectedIterations = expectedIterations;
        this.saslUserName = Objects.requireNonNull(saslUserName, "saslUserName");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    /** Password mode with an empty SASL user name (PostgreSQL uses the startup packet's user). */
    public static ScramClientSession withPassword(String password) {
        return withPassword(password, "", NonceSource.secureRandom());
    }

    /**
     * Password mode. {@code saslUserName} goes into client-first; PostgreSQL ignores it, so pass ""
     * unless replaying a test vector.
     */
    public static ScramClientSession withPassword(String password, String saslUserName, NonceSource nonces) {
        Objects.requireNonNull(password, "password");
        return new ScramClientSession(password, null, null, 0, saslUserName, nonces);
    }

    /** Pass-through mode: keys derived for {@code salt} and {@code iterations} (see {@link ScramKeys}). */
    public static ScramClientSession withKeys(ScramKeys keys, byte[] salt, int iterations) {
        return withKeys(keys, salt, iterations, "", NonceSource.secureRandom());
    }

    public static ScramClientSession withKeys(ScramKeys keys, byte[] salt, int iterations,
                                              String saslUserName, NonceSource nonces) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(salt, "salt");
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        return new ScramClientSession(null, keys, salt.clone(), iterations, saslUserName, nonces);
    }

    /** Pass-through using the verifier the keys belong to for the expected salt and iteration count. */
    public static ScramClientSession withKeys(ScramKeys keys, ScramVerifier verifier) {
        return withKeys(keys, verifier.salt(), verifier.iterations());
    }

    /** The SASLInitialResponse payload: {@code n,,n=<user>,r=<nonce>}. Same value on repeated calls. */
    public String clientFirstMessage() {
        if (state == State.INITIAL) {
            String nonce = nonces.nextNonce();
            if (!ScramAttributes.isValidNonce(nonce)) {
                throw new IllegalStateException("nonce source produced an invalid SCRAM nonce");
            }
            clientNonce = nonce;
            clientFirstBare = "n=" + escapeSaslName(saslUserName) + ",r=" + clientNonce;
            state = State.EXPECT_SERVER_FIRST;
        } else if (state == State.FAILED) {
            throw new IllegalStateException("SCRAM client session is in state " + state);
        }
        return GS2_HEADER + clientFirstBare;
    }

    /** Takes AuthenticationSASLContinue's payload and returns the SASLResponse payload (client-final). */
    public String handleServerFirst(String serverFirstMessage) throws AuthenticationFailedException {
        expectState(State.EXPECT_SERVER_FIRST);
        try {
            String reply = serverFirst(Objects.requireNonNull(serverFirstMessage, "serverFirstMessage"));
            state = State.EXPECT_SERVER_FINAL;
            return reply;
        } catch (AuthenticationFailedException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
    }

    /** Checks AuthenticationSASLFinal's payload: the server must prove it knows the verifier. */
    public void verifyServerFinal(String serverFinalMessage) throws AuthenticationFailedException {
        expectState(State.EXPECT_SERVER_FINAL);
        try {
            serverFinal(Objects.requireNonNull(serverFinalMessage, "serverFinalMessage"));
            state = State.SUCCEEDED;
        } catch (AuthenticationFailedException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
    }

    public boolean isComplete() {
        return state == State.SUCCEEDED;
    }

    private String serverFirst(String message) throws AuthenticationFailedException {
        List<ScramAttributes.Attribute> attributes = ScramAttributes.parse(message, "server-first message");
        if (attributes.get(0).name() == 'm') {
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                    "SCRAM mandatory extensions (m=) are not supported");
        }
        String nonce = expect(attributes, 0, 'r', "server-first message");
        String saltText = expect(attributes, 1, 's', "server-first message");
        String iterationText = expect(attributes, 2, 'i', "server-first message");
        // Later attributes are extensions; ignored as RFC 5802 allows.

        // The server must extend our nonce, or this reply belongs to another exchange (or a replay).
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()
                || !ScramAttributes.isValidNonce(nonce)) {
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                    "server's SCRAM nonce does not extend the client nonce");
        }
        byte[] salt = decodeBase64(saltText, "salt (s=)");
        if (salt.length == 0) {
            throw malformed("salt (s=) is empty");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(iterationText);
        } catch (NumberFormatException e) {
            throw malformed("iteration count (i=) is not a number");
        }
        if (iterations < 1) {
            throw malformed("iteration count (i=) must be positive");
        }

        byte[] clientKey;
        byte[] serverKey;
        if (keys != null) {
            if (iterations != expectedIterations || !Arrays.equals(salt, expectedSalt)) {
                throw new AuthenticationFailedException(KEYS_NOT_USABLE,
                        "cannot log in with SCRAM pass-through keys: the server's salt/iterations (i=" + iterations
                        + ") differ from the verifier the keys were derived from (i=" + expectedIterations
                        + "); the server's and the router's verifiers for this user must be identical");
            }
            clientKey = keys.clientKey();
            serverKey = keys.serverKey();
        } else {
            byte[] salted = ScramSha256.saltedPassword(password, salt, iterations);
            clientKey = ScramSha256.clientKey(salted);
            serverKey = ScramSha256.serverKey(salted);
            Arrays.fill(salted, (byte) 0);
        }

        String withoutProof = "c=" + CHANNEL_BINDING + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + message + "," + withoutProof;
        byte[] clientSignature = ScramSha256.hmac(ScramSha256.storedKey(clientKey), authMessage);
        byte[] proof = ScramSha256.xor(clientKey, clientSignature);
        expectedServerSignature = ScramSha256.hmac(serverKey, authMessage);
        Arrays.fill(clientKey, (byte) 0);
        Arrays.fill(serverKey, (byte) 0);
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    }

    private void serverFinal(String message) throws AuthenticationFailedException {
        List<ScramAttributes.Attribute> attributes = ScramAttributes.parse(message, "server-final message");
        ScramAttributes.Attribute first = attributes.get(0);
        if (first.name() == 'e') {
            throw new AuthenticationFailedException(SERVER_REJECTED,
                    "server rejected SCRAM authentication: " + printable(first.value()));
        }
        String verifier = expect(attributes, 0, 'v', "server-final message");
        byte[] signature = decodeBase64(verifier, "server signature (v=)");
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new AuthenticationFailedException(SERVER_NOT_VERIFIED,
                    "SCRAM server signature is invalid: the server does not know this user's verifier");
        }
    }

    private void expectState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM client session is in state " + state + ", not " + expected);
        }
    }

    /** RFC 5802 saslname: ',' and '=' are written as =2C and =3D. */
    static String escapeSaslName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    /** e= values are short tokens (e.g. "invalid-proof"); bound and sanitise before logging anyway. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 64; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
