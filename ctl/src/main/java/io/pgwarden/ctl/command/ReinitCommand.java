package io.pgwarden.ctl.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.rest.ApiResponse;
import io.pgwarden.ctl.rest.MemberUnreachableException;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code pgwarden ctl reinit MEMBER...}: a replica throws its data away and clones the leader again. */
@Command(name = "reinit", mixinStandardHelpOptions = true,
        description = {"Rebuild replicas from the leader: their data directory is deleted and cloned again",
                "(POST /reinitialize). The leader cannot be reinitialized."})
public final class ReinitCommand extends CtlAction {

    @Parameters(paramLabel = "MEMBER", arity = "1..*", description = "the replicas to rebuild")
    List<String> names = new ArrayList<>();

    @Option(names = "--force", description = "do not ask, and cancel a reinitialization already running on the member")
    boolean force;

    @Option(names = "--wait", description = "wait (up to --timeout) until the members are no longer creating a replica")
    boolean wait;

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        PatroniCluster cluster = session.readExisting().cluster();
        List<Members.Named> members = Members.select(cluster, scope, names);
        for (Members.Named member : members) {
            if (cluster.leader().map(member.name()::equals).orElse(false)) {
                throw CtlException.failed("member " + member.name() + " is the leader of cluster " + scope
                        + ": only replicas can be reinitialized");
            }
        }
        EachMember.confirm(session, force, "Reinitialize members " + Members.names(members) + " of cluster "
                + scope + "? Their data directories are deleted and cloned from the leader.",
                "reinitialize of cluster " + scope);
        List<Members.Named> started = new ArrayList<>();
        int failures = EachMember.send(session, members, "Reinitialize", "POST", "reinitialize", Map.of("force", force),
                (member, response) -> {
                    if (!response.isSuccess()) {
                        return false;
                    }
                    session.terminal().out().println("Success: reinitialize started on member " + member.name());
                    started.add(member);
                    return true;
                });
        if (wait && !started.isEmpty()) {
            failures += awaitDone(session, started);
        }
        return failures == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Polls GET /patroni every second until no member is creating a replica; returns how many still are. */
    private static int awaitDone(Session session, List<Members.Named> members) {
        JsonMapper json = JsonMapper.builder().build();
        long deadline = System.nanoTime() + session.address().timeout().toNanos();
        List<Members.Named> waiting = new ArrayList<>(members);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            waiting.removeIf(member -> {
                try {
                    ApiResponse response = ApiCall.send(session, member, "GET", "patroni", null);
                    JsonNode status = json.readTree(response.body());
                    String state = status.path("state").asText("");
                    if (response.isSuccess() && !state.equals("creating replica") && !state.isEmpty()) {
                        session.terminal().out().println("Reinitialize done on member " + member.name()
                                + " (state " + state + ")");
                        return true;
                    }
                } catch (MemberUnreachableException | java.io.IOException e) {
                    // restarting: ask again
                }
                return false;
            });
        }
        waiting.forEach(m -> session.terminal().err().println("pgwarden ctl: member " + m.name() + " of cluster "
                + session.scope() + " still reinitializing after " + session.address().timeout().toSeconds() + " s"));
        return waiting.size();
    }
}
