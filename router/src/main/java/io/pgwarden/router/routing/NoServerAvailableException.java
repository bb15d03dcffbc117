package io.pgwarden.router.routing;

/** The topology offers no node for this listener right now. */
public final class NoServerAvailableException extends Exception {

    public NoServerAvailableException(String message) {
        super(message, null, false, false);
    }
}
