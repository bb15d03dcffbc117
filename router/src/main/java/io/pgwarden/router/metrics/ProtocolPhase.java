package io.pgwarden.router.metrics;

/** Where in its connection a client broke the protocol: the {@code phase} tag of protocol errors. */
public enum ProtocolPhase {
    /** Before the login completed: startup packet, SSL negotiation, password exchange. */
    STARTUP("startup"),
    /** After the login: the regular phase. */
    SESSION("session");

    private final String tag;

    ProtocolPhase(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
