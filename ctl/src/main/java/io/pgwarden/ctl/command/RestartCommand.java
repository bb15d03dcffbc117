package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pgwarden ctl restart [MEMBER...]}: restarts PostgreSQL on members, one after the other. */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = {"Restart PostgreSQL on the named members (default: all), one after the other (POST /restart).",
                "Exit 1 if any member refused or did not answer; the others are still restarted."})
public final class RestartCommand extends CtlAction {

    @Mixin
    MemberChoice choice = new MemberChoice();

    @Option(names = "--pending", description = "only members whose settings need a restart (pending restart)")
    boolean pending;

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        PatroniCluster cluster = session.readExisting().cluster();
        List<Members.Named> members = Members.select(cluster, scope, choice.names);
        EachMember.confirm(session, choice.force, "Restart " + (pending ? "(where a restart is pending) " : "")
                + "members " + Members.names(members) + " of cluster " + scope + "?", "restart of cluster " + scope);
        Map<String, Object> body = new LinkedHashMap<>();
        if (pending) {
            body.put("restart_pending", true);
        }
        int failures = EachMember.send(session, members, "Restart", "POST", "restart", body, (member, response) -> {
            if (response.status() == 200) {
                session.terminal().out().println("Success: restart on member " + member.name());
            } else if (response.status() == 202) {
                session.terminal().out().println("Success: restart scheduled on member " + member.name());
            } else {
                return false;
            }
            return true;
        });
        return failures == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
