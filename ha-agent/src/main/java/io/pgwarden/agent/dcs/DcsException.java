package io.pgwarden.agent.dcs;

/** etcd did not answer in time, or refused: the caller treats the store as unreachable for this step. */
public final class DcsException extends RuntimeException {

    public DcsException(String message, Throwable cause) {
        super(message, cause);
    }
}
