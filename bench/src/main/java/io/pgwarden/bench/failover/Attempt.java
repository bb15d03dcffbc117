package io.pgwarden.bench.failover;

/**
 * One write the probe tried: its id, when it was sent and answered (nanoTime), and either the
 * port of the server that acknowledged it or the error that failed it.
 *
 * @param serverPort the acknowledging server's port ({@code inet_server_port()}), or -1 if it failed
 * @param localOnly  acknowledged with PostgreSQL's warning that the commit is local only: the wait for the
 *                   synchronous standby was cancelled (by the probe's statement timeout), so it may not
 *                   have been replicated
 */
public record Attempt(long id, long sentNanos, long doneNanos, int serverPort, String error, boolean localOnly) {

    /** An attempt without the local-only warning. */
    public Attempt(long id, long sentNanos, long doneNanos, int serverPort, String error) {
        this(id, sentNanos, doneNanos, serverPort, error, false);
    }

    public boolean acknowledged() {
        return serverPort > 0;
    }

    /** Acknowledged without the local-only warning: what the lost and split-brain counts are about. */
    public boolean confirmed() {
        return acknowledged() && !localOnly;
    }
}
