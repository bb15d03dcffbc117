package io.pgwarden.agent.callbacks;

/** Patroni's callback events, named as its {@code postgresql.callbacks} keys and passed as the first argument. */
public enum CallbackAction {
    ON_START("on_start"),
    ON_STOP("on_stop"),
    ON_RESTART("on_restart"),
    ON_ROLE_CHANGE("on_role_change");

    private final String key;

    CallbackAction(String key) {
        this.key = key;
    }

    /** The config key, and the script's first argument. */
    public String key() {
        return key;
    }
}
