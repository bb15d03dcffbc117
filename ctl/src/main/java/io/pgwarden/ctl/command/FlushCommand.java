package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code pgwarden ctl flush switchover | restart [MEMBER...]}: cancels what was scheduled, as
 * patronictl's flush does: {@code DELETE /switchover} to the leader (the {@code failover} key itself
 * when no member answers), {@code DELETE /restart} to each member with a scheduled restart.
 */
@Command(name = "flush", mixinStandardHelpOptions = true,
        description = {"Cancel a scheduled switchover (DELETE /switchover) or scheduled restarts (DELETE /restart).",
                "Exit 1 if there was nothing scheduled or a member refused."})
public final class FlushCommand extends CtlAction {

    /** What to cancel. */
    enum Target { switchover, restart }

    @Parameters(index = "0", paramLabel = "switchover|restart", description = "what to cancel")
    Target target;

    @Parameters(index = "1..*", paramLabel = "MEMBER", arity = "0..*",
            description = "restart: the members whose scheduled restart to cancel (default: every member)")
    List<String> names = new ArrayList<>();

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        PatroniCluster cluster = session.readExisting().cluster();
        if (target == Target.switchover && !names.isEmpty()) {
            throw CtlException.usage("flush switchover takes no member: the leader holds the schedule");
        }
        if (!force) {
            session.terminal().requireConfirmation("Cancel the scheduled " + target + (names.isEmpty() ? "" : " of "
                    + String.join(", ", names)) + " in cluster " + scope + "?", "flush of cluster " + scope);
        }
        return target == Target.switchover ? switchover(session, cluster) : restarts(session, cluster);
    }

    private int switchover(Session session, PatroniCluster cluster) {
        String scope = session.scope();
        if (cluster.failover().map(Failover::scheduledAt).isEmpty()) {
            throw CtlException.failed("cluster " + scope + " has no scheduled switchover");
        }
        for (Members.Named member : Members.leaderFirst(cluster)) {
            ApiResponse response;
            try {
                response = ApiCall.send(session, member, "DELETE", "switchover", null);
            } catch (MemberUnreachableException e) {
                continue; // the next member, else the key
            }
            if (!response.isSuccess()) {
                throw CtlException.failed(ApiCall.refused(session, "Cancel of the scheduled switchover", member, response));
            }
            session.terminal().out().println("Success: scheduled switchover of cluster " + scope + " deleted (by member "
                    + member.name() + ")");
            return ExitCodes.OK;
        }
        session.store().deleteFailover();
        session.terminal().out().println("Success: scheduled switchover of cluster " + scope + " deleted (no member"
                + " answered: deleted " + session.store().keys().failover() + ")");
        return ExitCodes.OK;
    }

    private int restarts(Session session, PatroniCluster cluster) {
        int failures = 0;
        for (Members.Named member : Members.select(cluster, session.scope(), names)) {
            try {
                ApiResponse response = ApiCall.send(session, member, "DELETE", "restart", null);
                if (response.isSuccess()) {
                    session.terminal().out().println("Success: scheduled restart of member " + member.name() + " deleted");
                } else if (response.status() == 404) {
                    session.terminal().out().println("No restart scheduled on member " + member.name());
                } else {
                    failures++;
                    session.terminal().err().println("pgwarden ctl: "
                            + ApiCall.refused(session, "Cancel of the scheduled restart", member, response));
                }
            } catch (MemberUnreachableException e) {
                failures++;
                session.terminal().err().println("pgwarden ctl: " + ApiCall.unreachable(session, member, e).getMessage());
            }
        }
        return failures == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
