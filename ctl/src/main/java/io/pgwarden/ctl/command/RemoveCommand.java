package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.store.ClusterState;
import io.pgwarden.ctl.view.OutputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Optional;

/**
 * {@code pgwarden ctl remove CLUSTER}: deletes every key of the cluster in etcd (its configuration,
 * history, members, leader). Asks for the cluster's name and a sentence of awareness, and the leader's
 * name when one holds the key; {@code --yes-i-am-aware} answers all of that for scripts.
 */
@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {"Delete every key of the cluster in etcd. Running agents write their member keys again;",
                "stop them first. Asks for confirmation unless --yes-i-am-aware."})
public final class RemoveCommand extends CtlAction {

    static final String AWARE = "Yes I am aware";

    @Parameters(index = "0", paramLabel = "CLUSTER", description = "the cluster's name, again, to be sure")
    String cluster;

    @Option(names = "--yes-i-am-aware", description = "remove without asking (for scripts)")
    boolean aware;

    @Override
    protected Optional<String> scopeArgument() {
        return Optional.of(cluster);
    }

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        if (!cluster.equals(scope)) {
            throw CtlException.usage("remove " + cluster + ": the connection options name cluster " + scope);
        }
        ClusterState state = session.readExisting();
        if (!aware) {
            new MemberListing().print(session.terminal(), scope, state, OutputFormat.PRETTY, false, false);
            String name = session.terminal().ask("Please confirm the cluster name to remove: ").orElse("");
            if (!name.equals(scope)) {
                throw CtlException.failed("aborted: '" + name + "' is not the cluster name " + scope
                        + "; nothing removed");
            }
            String sentence = session.terminal().ask("You are about to remove every key of cluster " + scope
                    + " under " + session.store().keys().prefix() + ", please type \"" + AWARE + "\": ").orElse("");
            if (!sentence.equals(AWARE)) {
                throw CtlException.failed("aborted: you did not type \"" + AWARE + "\"; nothing removed");
            }
            Optional<String> leader = state.cluster().leader();
            if (leader.isPresent()) {
                String answer = session.terminal().ask("Cluster " + scope + " has a leader. Please type its name to"
                        + " continue: ").orElse("");
                if (!answer.equals(leader.get())) {
                    throw CtlException.failed("aborted: " + leader.get() + " is the leader of cluster " + scope
                            + ", not '" + answer + "'; nothing removed");
                }
            }
        }
        long deleted = session.store().deleteAll();
        session.terminal().out().println("Removed cluster " + scope + ": " + deleted + " keys under "
                + session.store().keys().prefix());
        return ExitCodes.OK;
    }
}
