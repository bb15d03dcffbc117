package io.pgwarden.ctl.command;

import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;

import java.util.List;
import java.util.Map;

/**
 * One request to each of several members in turn, as reload, restart and reinit send them: a member that
 * refuses or does not answer is reported on stderr and counted, and the others are still asked.
 */
final class EachMember {

    /** What a member's answer means; false for a refusal, which is then reported with {@code ApiCall.refused}. */
    @FunctionalInterface
    interface Answer {
        boolean accepted(Members.Named member, ApiResponse response);
    }

    private EachMember() {
    }

    /** Asks for confirmation on the terminal unless {@code force}. */
    static void confirm(Session session, boolean force, String question, String abortedWhat) {
        if (!force) {
            session.terminal().requireConfirmation(question, abortedWhat);
        }
    }

    /**
     * Sends {@code method path} with {@code body} to every member.
     *
     * @param action capitalized, for the refusal message ({@code Reload})
     * @return how many members refused or did not answer
     */
    static int send(Session session, List<Members.Named> members, String action, String method, String path,
                    Map<String, ?> body, Answer answer) {
        int failures = 0;
        for (Members.Named member : members) {
            try {
                ApiResponse response = ApiCall.send(session, member, method, path, body);
                if (!answer.accepted(member, response)) {
                    failures++;
                    session.terminal().err().println("pgwarden ctl: " + ApiCall.refused(session, action, member, response));
                }
            } catch (MemberUnreachableException e) {
                failures++;
                session.terminal().err().println("pgwarden ctl: " + ApiCall.unreachable(session, member, e).getMessage());
            }
        }
        return failures;
    }
}
