package io.pgwarden.ctl.command;

import io.pgwarden.ctl.Terminal;
import io.pgwarden.ctl.store.ClusterState;
import io.pgwarden.ctl.view.MemberTable;
import io.pgwarden.ctl.view.OutputFormat;
import io.pgwarden.ctl.view.TableWriter;

/** Prints the member table of list and topology (and of the commands that show the cluster first). */
final class MemberListing {

    private final TableWriter writer = new TableWriter();

    void print(Terminal terminal, String scope, ClusterState state, OutputFormat format, boolean tree,
               boolean extended) {
        terminal.out().print(writer.format(MemberTable.of(scope, state.cluster(), tree, extended), format));
        if (format == OutputFormat.PRETTY) {
            MemberTable.notes(state.cluster()).forEach(n -> terminal.out().println(" " + n));
        }
        terminal.out().flush();
    }
}
