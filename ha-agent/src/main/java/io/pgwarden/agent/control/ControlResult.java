package io.pgwarden.agent.control;

import java.util.Objects;

/**
 * The answer to one control request, as Patroni words it: an HTTP status code and a body, plain text
 * unless {@code json}.
 */
public record ControlResult(int code, String body, boolean json) {

    public ControlResult {
        Objects.requireNonNull(body, "body");
    }

    public static ControlResult text(int code, String body) {
        return new ControlResult(code, body, false);
    }

    public static ControlResult json(int code, String body) {
        return new ControlResult(code, body, true);
    }
}
