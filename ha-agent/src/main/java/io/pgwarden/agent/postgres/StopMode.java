package io.pgwarden.agent.postgres;

/** pg_ctl's shutdown modes the agent uses. */
public enum StopMode {
    /** Disconnects sessions, writes a shutdown checkpoint: a clean stop, standbys get everything. */
    FAST("fast"),
    /** Exits at once, like a crash; the next start runs recovery. */
    IMMEDIATE("immediate");

    private final String pgCtlName;

    StopMode(String pgCtlName) {
        this.pgCtlName = pgCtlName;
    }

    String pgCtlName() {
        return pgCtlName;
    }
}
