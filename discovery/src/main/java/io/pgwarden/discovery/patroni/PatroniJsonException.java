package io.pgwarden.discovery.patroni;

/** A key's value is not the JSON Patroni writes there. */
public final class PatroniJsonException extends RuntimeException {

    public PatroniJsonException(String message, Throwable cause) {
        super(message, cause);
    }

    public PatroniJsonException(String message) {
        super(message);
    }
}
