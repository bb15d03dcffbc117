package io.pgwarden.discovery.pem;

/**
 * A PEM file that cannot serve: unreadable, no block of the wanted kind, a key of an unsupported form,
 * a key that does not belong to its certificate. The message names the file; the caller names its setting.
 */
public final class PemException extends IllegalArgumentException {

    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}
