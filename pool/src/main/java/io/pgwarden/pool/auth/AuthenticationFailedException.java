package io.pgwarden.pool.auth;

import java.util.Objects;

/**
 * An authentication exchange failed. Checked because a failed login is an expected outcome that
 * every caller must turn into a reply (ErrorResponse) and a closed connection.
 *
 * <p>Messages are safe to log: they never contain passwords, proofs, keys or message contents.
 */
public final class AuthenticationFailedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why the exchange failed; lets the router pick the SQLSTATE (08P01 vs 28P01) without parsing text. */
    public enum Reason {
        /** The peer broke the mechanism's syntax or asked for something we do not support. */
        PROTOCOL_VIOLATION,
        /** The client's proof or response did not match the stored secret. */
        INVALID_CREDENTIALS,
        /** The server answered the exchange with an explicit error ({@code e=}). */
        SERVER_REJECTED,
        /** The server's signature was wrong: it does not know the verifier, so it may be an impostor. */
        SERVER_NOT_VERIFIED,
        /** Pass-through keys cannot be used because the server's salt or iteration count differs. */
        KEYS_NOT_USABLE
    }

    private final Reason reason;

    public AuthenticationFailedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
