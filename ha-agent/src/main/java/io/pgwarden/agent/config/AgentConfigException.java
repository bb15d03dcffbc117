package io.pgwarden.agent.config;

/** An agent configuration file that cannot be used; the message names the file and the key. */
public final class AgentConfigException extends RuntimeException {

    public AgentConfigException(String message) {
        super(message);
    }

    public AgentConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
