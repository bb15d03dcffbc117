package io.pgwarden.ctl.command;

import picocli.CommandLine.Command;

/** {@code pgwarden ctl topology}: list, as a tree under the leader (cascading replicas under their upstream). */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "List the members as a tree: the leader, its replicas under it, cascading replicas under theirs.")
public final class TopologyCommand extends ListCommand {

    @Override
    protected boolean tree() {
        return true;
    }
}
