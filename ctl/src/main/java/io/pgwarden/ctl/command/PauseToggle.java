package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;
import io.pgwarden.discovery.patroni.ClusterConfig;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pause and resume, as patronictl does them: {@code PATCH /config} with {@code {"pause": true}} (or
 * {@code null} to resume) to the leader, else to the first other member that answers. With
 * {@code wait}, until every member that was there reports the new state in its member key.
 */
final class PauseToggle {

    private static final Duration POLL = Duration.ofMillis(500);

    private PauseToggle() {
    }

    static int toggle(Session session, boolean pause, boolean wait) {
        String scope = session.scope();
        String what = pause ? "pause" : "resume";
        PatroniCluster cluster = session.readExisting().cluster();
        if (cluster.paused() == pause) {
            throw CtlException.failed("cluster " + scope + (pause ? " is already paused" : " is not paused"));
        }
        List<Members.Named> members = Members.leaderFirst(cluster);
        if (members.isEmpty()) {
            throw CtlException.failed("no member of cluster " + scope + " publishes a REST API to " + what + " it");
        }
        Map<String, Object> body = new HashMap<>();
        body.put("pause", pause ? Boolean.TRUE : null);
        List<String> unreachable = new ArrayList<>();
        for (Members.Named member : members) {
            ApiResponse response;
            try {
                response = ApiCall.send(session, member, "PATCH", "config", body);
            } catch (MemberUnreachableException e) {
                unreachable.add(member.name() + " (" + e.getMessage() + ")");
                continue;
            }
            if (!response.isSuccess()) {
                throw CtlException.failed(ApiCall.refused(session, LeaderChange.capitalized(what), member, response));
            }
            if (wait) {
                awaitMembers(session, cluster, pause);
            }
            session.terminal().out().println("Success: cluster " + scope + " is " + (pause ? "paused" : "resumed")
                    + " (by member " + member.name() + ")");
            return ExitCodes.OK;
        }
        throw CtlException.failed("no member of cluster " + scope + " answered the " + what + " request: "
                + String.join(", ", unreachable));
    }

    /** Waits up to 2 * loop_wait + 5 s for every member that was there to report the new state. */
    private static void awaitMembers(Session session, PatroniCluster before, boolean pause) {
        Set<String> expected = before.members().keySet();
        int loopWait = before.config().map(ClusterConfig::loopWait).filter(l -> l != null).orElse(10);
        Duration limit = Duration.ofSeconds(2L * loopWait + 5);
        long deadline = System.nanoTime() + limit.toNanos();
        session.terminal().err().println("Waiting up to " + limit.toSeconds() + " s for members "
                + String.join(", ", expected) + " of cluster " + session.scope() + " to report it");
        List<String> late = Collections.emptyList();
        while (System.nanoTime() < deadline) {
            Map<String, MemberData> now = session.store().read().cluster().members();
            late = expected.stream().filter(n -> now.containsKey(n) && now.get(n).pause() != pause).toList();
            if (late.isEmpty()) {
                return;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw CtlException.failed("members " + String.join(", ", late) + " of cluster " + session.scope()
                + " did not report " + (pause ? "pause" : "resume") + " within " + limit.toSeconds()
                + " s (the request was accepted)");
    }
}
