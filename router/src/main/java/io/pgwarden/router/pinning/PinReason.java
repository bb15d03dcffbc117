package io.pgwarden.router.pinning;

/** Session state a transaction pool cannot carry from one server connection to another. */
public enum PinReason {
    SET("set"),
    RESET("reset"),
    LISTEN("listen"),
    ADVISORY_LOCK("advisory_lock"),
    TEMP_TABLE("temp_table"),
    PREPARE("prepare"),
    WITH_HOLD_CURSOR("with_hold_cursor"),
    SET_CONFIG("set_config"),
    LOAD("load");

    private final String tag;

    PinReason(String tag) {
        this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
        return tag;
    }
}
