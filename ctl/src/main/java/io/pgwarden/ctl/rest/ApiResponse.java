package io.pgwarden.ctl.rest;

import java.util.Objects;

/** A member's answer: the status code and the body as text (Patroni answers plain text or JSON). */
public record ApiResponse(int status, String body) {

    public ApiResponse {
        Objects.requireNonNull(body, "body");
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
