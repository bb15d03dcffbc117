package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;
import io.pgwarden.ctl.view.OutputFormat;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A switchover or failover request, sent as patronictl sends it: {@code POST /switchover} (or
 * {@code /failover}) with {@code {"leader", "candidate", "scheduled_at"}} to the leader's REST API, or
 * to the candidate's when there is no leader. When that member gives no HTTP answer at all, the
 * request is written to the {@code failover} key instead, for the leader's loop to act on.
 */
final class LeaderChange {

    /**
     * @param action    {@code switchover} or {@code failover}: the REST path and the word in messages
     * @param leader    the member to hand over from, if any
     * @param candidate the member to promote; empty to let the cluster choose
     */
    record Request(String action, Optional<String> leader, Optional<String> candidate,
                   Optional<OffsetDateTime> scheduledAt) {
    }

    private LeaderChange() {
    }

    /** Checks a candidate against the cluster: a member, not the leader, not tagged nofailover. */
    static void checkCandidate(PatroniCluster cluster, String scope, String candidate, Optional<String> leader) {
        MemberData member = Members.require(cluster, scope, candidate);
        if (leader.isPresent() && leader.get().equals(candidate)) {
            throw CtlException.usage("member " + candidate + " is already the leader of cluster " + scope);
        }
        if (member.noFailover()) {
            throw CtlException.failed("member " + candidate + " of cluster " + scope
                    + " is tagged nofailover: it never becomes leader");
        }
    }

    static int send(Session session, PatroniCluster cluster, Request request, boolean showResult) {
        String scope = session.scope();
        String target = request.leader().filter(cluster.members()::containsKey)
                .or(() -> request.candidate())
                .orElseThrow(() -> CtlException.failed("cluster " + scope + " has no leader and no candidate was named"));
        Members.Named member = new Members.Named(target, Members.require(cluster, scope, target));

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leader", request.leader().orElse(null));
        body.put("candidate", request.candidate().orElse(null));
        body.put("scheduled_at", request.scheduledAt().map(ScheduledTime::format).orElse(null));
        ApiResponse response;
        try {
            response = ApiCall.send(session, member, "POST", request.action(), body);
            // A member without /switchover (older Patroni) takes the same request at /failover.
            if (response.status() == 501 && request.action().equals("switchover")) {
                response = ApiCall.send(session, member, "POST", "failover", body);
            }
        } catch (MemberUnreachableException e) {
            return writeKey(session, request, member, e);
        }
        if (!response.isSuccess()) {
            throw CtlException.failed(ApiCall.refused(session, capitalized(request.action()), member, response));
        }
        session.terminal().out().println(response.body().isEmpty()
                ? capitalized(request.action()) + " of cluster " + scope + " accepted by member " + member.name()
                : response.body());
        if (showResult && response.status() == 200) {
            new MemberListing().print(session.terminal(), scope, session.store().read(), OutputFormat.PRETTY, false, false);
        }
        return ExitCodes.OK;
    }

    private static int writeKey(Session session, Request request, Members.Named member, MemberUnreachableException e) {
        String value = new PatroniJson().writeFailover(new Failover(request.leader().orElse(null),
                request.candidate().orElse(null), request.scheduledAt().map(ScheduledTime::format).orElse(null)));
        session.store().writeFailover(value);
        session.terminal().err().println("pgwarden ctl: member " + member.name() + " of cluster " + session.scope()
                + " did not answer (" + e.getMessage() + "); wrote the " + request.action() + " request to "
                + session.store().keys().failover() + " instead: the leader acts on it in its next loop");
        return ExitCodes.OK;
    }

    static String capitalized(String action) {
        return Character.toUpperCase(action.charAt(0)) + action.substring(1);
    }
}
