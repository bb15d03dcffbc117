package io.pgwarden.ctl.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;

import java.util.Map;
import java.util.Optional;

/** One request to one member's REST API, with the messages ctl prints about it. */
final class ApiCall {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiCall() {
    }

    /** @throws MemberUnreachableException when the member gave no HTTP answer */
    static ApiResponse send(Session session, Members.Named member, String method, String path, Map<String, ?> body)
            throws MemberUnreachableException {
        return session.api().send(method, Members.apiUrl(member, session.scope()), path, Optional.ofNullable(body).map(ApiCall::json));
    }

    /** Like {@link #send}, with an unreachable member reported as a failure naming it. */
    static ApiResponse sendOrFail(Session session, Members.Named member, String method, String path, Map<String, ?> body) {
        try {
            return send(session, member, method, path, body);
        } catch (MemberUnreachableException e) {
            throw unreachable(session, member, e);
        }
    }

    static CtlException unreachable(Session session, Members.Named member, MemberUnreachableException e) {
        return CtlException.failed("member " + member.name() + " of cluster " + session.scope()
                + " did not answer: " + e.getMessage(), e);
    }

    /** The refusal message: what was asked, of whom, the status and the member's own words. */
    static String refused(Session session, String action, Members.Named member, ApiResponse response) {
        return action + " refused by member " + member.name() + " of cluster " + session.scope() + " (HTTP "
                + response.status() + ")" + (response.body().isEmpty() ? "" : ": " + response.body());
    }

    static String json(Map<String, ?> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
