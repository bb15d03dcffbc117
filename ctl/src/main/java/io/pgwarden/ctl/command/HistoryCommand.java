package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.view.HistoryTable;
import io.pgwarden.ctl.view.OutputFormat;
import io.pgwarden.ctl.view.TableWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgwarden ctl history}: the timeline history (one line per failover or switchover). */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Show the timeline history: one line per promotion (failover or switchover).")
public final class HistoryCommand extends CtlAction {

    @Option(names = {"-f", "--format"}, defaultValue = "pretty", paramLabel = "FORMAT",
            description = "pretty, json, yaml or tsv (default ${DEFAULT-VALUE})")
    String format;

    @Override
    protected int run(Session session) {
        OutputFormat output = OutputFormat.parse(format);
        var state = session.readExisting();
        session.terminal().out().print(new TableWriter().format(HistoryTable.of(state.cluster()), output));
        return ExitCodes.OK;
    }
}
