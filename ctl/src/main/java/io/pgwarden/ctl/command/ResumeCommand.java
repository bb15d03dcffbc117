package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgwarden ctl resume}: leave maintenance mode. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Leave maintenance mode: automatic failover again (PATCH /config {\"pause\": null}).")
public final class ResumeCommand extends CtlAction {

    @Option(names = "--wait", description = "wait until every member reports it is no longer paused")
    boolean wait;

    @Override
    protected int run(Session session) {
        return PauseToggle.toggle(session, false, wait);
    }
}
