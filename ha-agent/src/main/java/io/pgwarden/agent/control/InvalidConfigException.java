package io.pgwarden.agent.control;

/** A dynamic configuration the agents could not run with; the message names the key. */
public final class InvalidConfigException extends RuntimeException {

    public InvalidConfigException(String message) {
        super(message);
    }
}
