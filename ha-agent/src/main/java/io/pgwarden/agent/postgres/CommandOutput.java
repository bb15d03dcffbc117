package io.pgwarden.agent.postgres;

import java.util.List;
import java.util.Objects;

/**
 * How a command ended.
 *
 * @param command  what ran, as passed to the OS
 * @param exitCode its exit code
 * @param output   stdout and stderr, interleaved as the command wrote them
 */
public record CommandOutput(List<String> command, int exitCode, String output) {

    /** Lines of output quoted in error messages. */
    static final int TAIL_LINES = 20;

    public CommandOutput {
        command = List.copyOf(command);
        Objects.requireNonNull(output, "output");
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /**
     * This output, if the command exited with 0.
     *
     * @param what a few words for the message ("initdb of /data")
     * @throws PostgresException naming the command, its exit code and the tail of its output
     */
    public CommandOutput requireSuccess(String what) {
        if (!succeeded()) {
            throw new PostgresException(what + " failed: " + String.join(" ", command) + " exited with " + exitCode
                    + "\n" + tail(output, TAIL_LINES));
        }
        return this;
    }

    /** The last {@code lines} lines of {@code text}. */
    static String tail(String text, int lines) {
        String[] all = text.strip().split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }
}
