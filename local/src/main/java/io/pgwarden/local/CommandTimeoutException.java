package io.pgwarden.local;

import java.time.Duration;
import java.util.List;

/** An external command ran past its timeout; it and all its descendants have been killed. */
public final class CommandTimeoutException extends RuntimeException {

    private final List<String> command;
    private final Duration timeout;

    public CommandTimeoutException(List<String> command, Duration timeout) {
        super("command timed out after " + timeout.toMillis() + " ms and was killed: " + command);
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    public List<String> command() {
        return command;
    }

    public Duration timeout() {
        return timeout;
    }
}
