package io.pgwarden.pool.auth;

import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.INVALID_CREDENTIALS;
import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.PROTOCOL_VIOLATION;
import static io.pgwarden.pool.auth.ScramAttributes.decodeBase64;
import static io.pgwarden.pool.auth.ScramAttributes.expect;
import static io.pgwarden.pool.auth.ScramAttributes.malformed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The server half of SCRAM-SHA-256: the router checking a client against a stored verifier.
 *
 * <p>Works from the verifier alone, without PBKDF2 (RFC 5802 section 3):
 * ClientKey = proof XOR HMAC(StoredKey, AuthMessage), accepted iff H(ClientKey) = StoredKey. The
 * recovered ClientKey is then offered through {@link #clientKey()} so the pool can log in to
 * PostgreSQL with it instead of a plaintext password.
 *
 * <p>One instance per exchange, used from one thread (the connection's event loop). After any
 * failure the session is dead; further calls throw {@link IllegalStateException}.
 */
public final class ScramServerSession {

    private enum State { EXPECT_CLIENT_FIRST, EXPECT_CLIENT_FINAL, SUCCEEDED, FAILED }

    private final ScramVerifier verifier;
    private final NonceSource nonces;

    private State state = State.EXPECT_CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private byte[] clientKey;

    public ScramServerSession(ScramVerifier verifier, NonceSource nonces) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    public ScramServerSession(ScramVerifier verifier) {
        this(verifier, NonceSource.secureRandom());
    }

    /**
     * Takes the client-first message (the SASLInitialResponse payload) and returns the server-first
     * message for AuthenticationSASLContinue.
     */
    public String handleClientFirst(String clientFirstMessage) throws AuthenticationFailedException {
        expectState(State.EXPECT_CLIENT_FIRST);
        try {
            String reply = clientFirst(Objects.requireNonNull(clientFirstMessage, "clientFirstMessage"));
            state = State.EXPECT_CLIENT_FINAL;
            return reply;
        } catch (AuthenticationFailedException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
    }

    /**
     * Takes the client-final message (the SASLResponse payload), checks the proof and returns the
     * server-final message for AuthenticationSASLFinal.
     */
    public String handleClientFinal(String clientFinalMessage) throws AuthenticationFailedException {
        expectState(State.EXPECT_CLIENT_FINAL);
        try {
            String reply = clientFinal(Objects.requireNonNull(clientFinalMessage, "clientFinalMessage"));
            state = State.SUCCEEDED;
            return reply;
        } catch (AuthenticationFailedException | RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
    }

    /** The client's ClientKey, present only after a successful exchange. A copy on each call. */
    public Optional<byte[]> clientKey() {
        return state == State.SUCCEEDED ? Optional.of(clientKey.clone()) : Optional.empty();
    }

    /** ClientKey plus this verifier's ServerKey, ready for {@link ScramClientSession#withKeys}. */
    public Optional<ScramKeys> keys() {
        return clientKey().map(key -> new ScramKeys(key, verifier.serverKey()));
    }

    public boolean isComplete() {
        return state == State.SUCCEEDED;
    }

    private String clientFirst(String message) throws AuthenticationFailedException {
        // gs2-header = gs2-cbind-flag "," [authzid] ","
        int first = message.indexOf(',');
        int second = first < 0 ? -1 : message.indexOf(',', first + 1);
        if (second < 0) {
            throw malformed("client-first message lacks the GS2 header");
        }
        String cbindFlag = message.substring(0, first);
        String authzid = message.substring(first + 1, second);
        if (cbindFlag.startsWith("p=")) {
            // We never advertise SCRAM-SHA-256-PLUS: a TLS-terminating router cannot forward a binding.
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                    "client requested SCRAM channel binding, which is not supported");
        }
        if (!cbindFlag.equals("n") && !cbindFlag.equals("y")) {
            // "y" means the client could bind but thinks we cannot; correct, since we never offer -PLUS.
            throw malformed("client-first message has an invalid channel-binding flag");
        }
        if (!authzid.isEmpty()) {
            if (authzid.startsWith("a=")) {
                throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                        "SCRAM authorization identity (a=) is not supported");
            }
            throw malformed("client-first message has an invalid GS2 header");
        }
        gs2Header = message.substring(0, second + 1);
        clientFirstBare = message.substring(second + 1);

        List<ScramAttributes.Attribute> attributes = ScramAttributes.parse(clientFirstBare, "client-first message");
        if (attributes.get(0).name() == 'm') {
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                    "SCRAM mandatory extensions (m=) are not supported");
        }
        // The user name is ignored, as PostgreSQL does: the startup packet's user is authoritative.
        expect(attributes, 0, 'n', "client-first message");
        String clientNonce = expect(attributes, 1, 'r', "client-first message");
        if (!ScramAttributes.isValidNonce(clientNonce)) {
            throw malformed("client nonce must be non-empty printable ASCII without ','");
        }
        // Attributes after r= are optional extensions (RFC 5802 section 7); ignored, as PostgreSQL does.

        String serverNonce = nonces.nextNonce();
        if (!ScramAttributes.isValidNonce(serverNonce)) {
            throw new IllegalStateException("nonce source produced an invalid SCRAM nonce");
        }
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce
                + ",s=" + Base64.getEncoder().encodeToString(verifier.salt())
                + ",i=" + verifier.iterations();
        return serverFirst;
    }

    private String clientFinal(String message) throws AuthenticationFailedException {
        List<ScramAttributes.Attribute> attributes = ScramAttributes.parse(message, "client-final message");
        String channelBinding = expect(attributes, 0, 'c', "client-final message");
        String finalNonce = expect(attributes, 1, 'r', "client-final message");
        ScramAttributes.Attribute last = attributes.get(attributes.size() - 1);
        if (attributes.size() < 3 || last.name() != 'p') {
            throw malformed("client-final message must end with the 'p=' attribute");
        }
        // Without the ",p=..." suffix; this exact text is part of AuthMessage.
        String withoutProof = message.substring(0, message.length() - last.value().length() - 3);

        // No binding data to check: c= must repeat the GS2 header, so a tampered "n"/"y" is caught.
        byte[] binding = decodeBase64(channelBinding, "channel binding (c=)");
        if (!Arrays.equals(binding, gs2Header.getBytes(StandardCharsets.US_ASCII))) {
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION,
                    "SCRAM channel binding (c=) does not match the GS2 header");
        }
        if (!finalNonce.equals(nonce)) {
            throw new AuthenticationFailedException(PROTOCOL_VIOLATION, "SCRAM nonce does not match");
        }
        byte[] proof = decodeBase64(last.value(), "client proof (p=)");
        if (proof.length != ScramSha256.KEY_LENGTH) {
            throw malformed("client proof (p=) has the wrong length");
        }

        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] storedKey = verifier.storedKey();
        byte[] candidate = ScramSha256.xor(proof, ScramSha256.hmac(storedKey, authMessage));
        if (!MessageDigest.isEqual(ScramSha256.storedKey(candidate), storedKey)) {
            Arrays.fill(candidate, (byte) 0);
            throw new AuthenticationFailedException(INVALID_CREDENTIALS, "SCRAM client proof is invalid");
        }
        clientKey = candidate;
        byte[] serverSignature = ScramSha256.hmac(verifier.serverKey(), authMessage);
        return "v=" + Base64.getEncoder().encodeToString(serverSignature);
    }

    private void expectState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM server session is in state " + state + ", not " + expected);
        }
    }
}
