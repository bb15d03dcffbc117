package io.pgwarden.ctl;

/** What {@code pgwarden ctl} exits with; docs/ctl.md promises these to scripts. */
public final class ExitCodes {

    /** Done (or, for a scheduled switchover or restart, accepted). */
    public static final int OK = 0;
    /** Refused or failed: a member's REST API said no, etcd did not answer, a compare-and-swap lost, a confirmation was declined. */
    public static final int FAILED = 1;
    /** Usage or configuration error: bad options or values, an unreadable config file, an unknown member. Nothing was changed. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
