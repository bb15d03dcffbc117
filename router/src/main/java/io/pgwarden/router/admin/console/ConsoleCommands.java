package io.pgwarden.router.admin.console;

import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.CompletableFuture;

/** Runs one parsed command; every outcome, failures included, arrives through the returned future. */
final class ConsoleCommands {

    private final ShowCommands show;
    private final ControlCommands control;

    ConsoleCommands(ShowCommands show, ControlCommands control) {
        this.show = show;
        this.control = control;
    }

    /**
     * @param admin the user giving the command, for the log
     * @param loop  the console client's event loop, for commands that wait (PAUSE)
     */
    CompletableFuture<ResultSet> execute(ConsoleCommand command, String admin, EventExecutor loop) {
        try {
            if (command instanceof ConsoleCommand.Show s) {
                return show.show(s.target());
            } else if (command instanceof ConsoleCommand.Reload) {
                return control.reload(admin);
            } else if (command instanceof ConsoleCommand.Pause p) {
                return control.pause(p.database(), admin, loop);
            } else if (command instanceof ConsoleCommand.Resume r) {
                return CompletableFuture.completedFuture(control.resume(r.database(), admin));
            } else if (command instanceof ConsoleCommand.Kill k) {
                return CompletableFuture.completedFuture(control.kill(k.database(), admin));
            } else {
                // SET of a client parameter: nothing to change here.
                return CompletableFuture.completedFuture(ResultSet.tagOnly("SET"));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
