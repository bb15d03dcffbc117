package io.pgwarden.agent.rest;

/** A query parameter the API cannot read: answered with 400 rather than guessed at. */
final class BadQueryException extends RuntimeException {

    BadQueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
