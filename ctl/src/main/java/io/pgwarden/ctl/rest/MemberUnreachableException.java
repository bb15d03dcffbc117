package io.pgwarden.ctl.rest;

/** No HTTP answer from a member's REST API at all (refused, timed out, TLS failed). */
public final class MemberUnreachableException extends Exception {

    public MemberUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
