package io.pgwarden.agent.rest;

import java.util.Optional;

/**
 * The control endpoints behind {@link RestApi}: every request that is not a GET, HEAD or OPTIONS comes
 * here once it passed authentication. Calls may block (they wait for etcd or the HA loop), which is why
 * {@link RestApi} runs only a few at a time.
 */
public interface ControlApi {

    /**
     * Answers one request.
     *
     * @param method {@code POST}, {@code PUT}, {@code PATCH} or {@code DELETE}
     * @param path   without a trailing {@code /}
     * @param body   the request body, empty for none
     */
    Reply handle(String method, String path, String body);

    /** The user the control endpoints require now, if any (it may change on {@code POST /reload}). */
    Optional<BasicAuth> authentication();

    /** An answer: status code and body, JSON or plain text. */
    record Reply(int code, String body, boolean json) {
    }
}
