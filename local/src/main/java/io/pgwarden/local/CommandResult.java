package io.pgwarden.local;

import java.util.Objects;

/** What an external command left behind: its exit code and everything it printed. */
public record CommandResult(int exitCode, String stdout, String stderr) {

    public CommandResult {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /**
     * Returns this result if the command exited with 0.
     *
     * @param what a few words naming the step, for the exception message
     * @throws IllegalStateException with the exit code and output otherwise
     */
    public CommandResult requireSuccess(String what) {
        if (!succeeded()) {
            throw new IllegalStateException(what + " failed with exit code " + exitCode
                    + "\nstderr: " + stderr.strip() + "\nstdout: " + stdout.strip());
        }
        return this;
    }
}
