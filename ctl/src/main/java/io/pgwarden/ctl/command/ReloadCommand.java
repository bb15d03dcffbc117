package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;

/** {@code pgwarden ctl reload [MEMBER...]}: members re-read their configuration file. */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Make members re-read their configuration (POST /reload); default: every member.",
                "Exit 1 if any member refused or did not answer."})
public final class ReloadCommand extends CtlAction {

    @Mixin
    MemberChoice choice = new MemberChoice();

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        PatroniCluster cluster = session.readExisting().cluster();
        List<Members.Named> members = Members.select(cluster, scope, choice.names);
        EachMember.confirm(session, choice.force, "Reload members " + Members.names(members) + " of cluster " + scope + "?",
                "reload of cluster " + scope);
        int failures = EachMember.send(session, members, "Reload", "POST", "reload", null, (member, response) -> {
            if (response.status() == 200) {
                session.terminal().out().println("No changes to apply on member " + member.name());
            } else if (response.status() == 202) {
                session.terminal().out().println("Reload requested on member " + member.name()
                        + (response.body().isEmpty() ? "" : ": " + response.body()));
            } else {
                return false;
            }
            return true;
        });
        return failures == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
