package io.pgwarden.agent.rest;

/** A REST endpoint that changes the cluster (POST, PUT, PATCH, DELETE), served beside the read-only ones. */
public interface ControlEndpoint {

    /** Whether it serves {@code method} on {@code path} (normalised: {@code /switchover}). */
    boolean serves(String method, String path);

    /** Carries the request out; may block (a switchover waits for its outcome). */
    Answer answer(String method, String path, String body);

    /** Patroni answers control requests with plain text. */
    record Answer(int code, String text) {
    }
}
