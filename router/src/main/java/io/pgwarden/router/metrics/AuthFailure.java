package io.pgwarden.router.metrics;

import io.pgwarden.pool.auth.AuthenticationFailedException;

/** Why a login failed: the {@code reason} tag of {@code pgwarden_auth_failures_total}. */
public enum AuthFailure {
    /** The user exists but the password (SCRAM proof, md5 hash) was wrong. */
    WRONG_PASSWORD("wrong_password"),
    /** The user is not in the auth file; the client is told "password authentication failed" all the same. */
    UNKNOWN_USER("unknown_user"),
    /** No hba rule allows the host, user and database, or the matching rule says reject. */
    HBA_REJECT("hba_reject"),
    /** The login did not complete within auth_timeout. */
    TIMEOUT("timeout"),
    /** The client broke the authentication exchange (wrong message, bad SASL syntax or mechanism). */
    PROTOCOL_VIOLATION("protocol_violation"),
    /** PostgreSQL refused the router's login on the client's behalf (SQLSTATE class 28). */
    SERVER_REJECTED("server_rejected");

    private final String tag;

    AuthFailure(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }

    /** The reason for a failed client exchange; {@code userKnown}: the auth file has the user. */
    public static AuthFailure of(AuthenticationFailedException e, boolean userKnown) {
        if (e.reason() == AuthenticationFailedException.Reason.PROTOCOL_VIOLATION) {
            return PROTOCOL_VIOLATION;
        }
        return userKnown ? WRONG_PASSWORD : UNKNOWN_USER;
    }
}
