package io.pgwarden.bench.failover;

/**
 * One write the probe tried: its id, when it was sent and answered (nanoTime), and either the
 * port of the server that acknowledged it or the error that failed it.
 *
 * @param serverPort the acknowledging server's port ({@code inet_server_port()}), or -1 if it failed
 */
public record Attempt(long id, long sentNanos, long doneNanos, int serverPort, String error) {

    public boolean acknowledged() {
        return serverPort > 0;
    }
}
