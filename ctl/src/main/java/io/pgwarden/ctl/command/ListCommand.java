package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.ExitCodes;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.view.OutputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** {@code pgwarden ctl list}: the members, their roles, states, timelines and lag; {@code --watch} repeats it. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the members: host, role, state, timeline, lag behind the leader in MB.")
public class ListCommand extends CtlAction {

    @Option(names = {"-f", "--format"}, defaultValue = "pretty", paramLabel = "FORMAT",
            description = "pretty, json, yaml or tsv (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-e", "--extended"}, description = "show the pending restart, scheduled restart and tags columns always")
    boolean extended;

    @Option(names = {"-W", "--watch"}, paramLabel = "SECONDS",
            description = "print again every SECONDS until Ctrl-C (or --watch-count)")
    Double watchSeconds;

    @Option(names = "--watch-count", paramLabel = "N", description = "with --watch: stop after N listings")
    Integer watchCount;

    private final MemberListing listing = new MemberListing();

    /** Whether members are shown as a tree under the leader. */
    protected boolean tree() {
        return false;
    }

    @Override
    protected int run(Session session) {
        OutputFormat output = OutputFormat.parse(format);
        if (watchSeconds != null && !(watchSeconds > 0)) {
            throw CtlException.usage("--watch takes a positive number of seconds");
        }
        if (watchCount != null && watchCount < 1) {
            throw CtlException.usage("--watch-count must be at least 1");
        }
        if (watchCount != null && watchSeconds == null) {
            throw CtlException.usage("--watch-count needs --watch SECONDS");
        }
        int shown = 0;
        while (true) {
            if (watchSeconds != null) {
                session.terminal().out().println(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")));
            }
            listing.print(session.terminal(), session.scope(), session.readExisting(), output, tree(), extended);
            shown++;
            if (watchSeconds == null || watchCount != null && shown >= watchCount) {
                return ExitCodes.OK;
            }
            try {
                Thread.sleep(Math.round(watchSeconds * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.OK;
            }
        }
    }
}
