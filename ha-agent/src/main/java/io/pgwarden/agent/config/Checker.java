package io.pgwarden.agent.config;

import java.util.function.Supplier;

/** Collects nothing: the first failed check throws, naming the file and the key. */
record Checker(String source) {

    void that(boolean ok, String key, String message) {
        if (!ok) {
            throw fail(key, message);
        }
    }

    /** For messages worth building only when the check fails. */
    void that(boolean ok, String key, Supplier<String> message) {
        if (!ok) {
            throw fail(key, message.get());
        }
    }

    void required(Object value, String key) {
        that(value != null && !(value instanceof String s && s.isBlank()), key, "is required");
    }

    void atLeast(int value, int minimum, String key) {
        that(value >= minimum, key, () -> "must be at least " + minimum + ", got " + value);
    }

    AgentConfigException fail(String key, String message) {
        return new AgentConfigException(source + ": bad value for key '" + key + "': " + message);
    }
}
