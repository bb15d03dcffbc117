package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgwarden ctl pause}: maintenance mode, no automatic failover. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Maintenance mode: the agents take no automatic action (PATCH /config {\"pause\": true}).")
public final class PauseCommand extends CtlAction {

    @Option(names = "--wait", description = "wait until every member reports it is paused")
    boolean wait;

    @Override
    protected int run(Session session) {
        return PauseToggle.toggle(session, true, wait);
    }
}
