package io.pgwarden.ctl;

import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * A ctl subcommand: opens a session on the cluster named by ctl's options, runs, and turns a
 * {@link CtlException} into its message on stderr and its exit code.
 */
public abstract class CtlAction implements Callable<Integer> {

    @ParentCommand
    private CtlCommand ctl;

    @Override
    public final Integer call() {
        Terminal terminal = ctl.terminal();
        try (Session session = ctl.openSession(scopeArgument())) {
            return run(session);
        } catch (CtlException e) {
            terminal.err().println("pgwarden ctl: " + e.getMessage());
            return e.exitCode();
        } finally {
            terminal.out().flush();
            terminal.err().flush();
        }
    }

    /** A cluster name given as an argument, used when neither --scope nor the -c file names one. */
    protected java.util.Optional<String> scopeArgument() {
        return java.util.Optional.empty();
    }

    /** @return the exit code, {@link ExitCodes#OK} unless a partial failure is reported without an exception */
    protected abstract int run(Session session);
}
