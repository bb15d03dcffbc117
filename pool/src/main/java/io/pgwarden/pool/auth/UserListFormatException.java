package io.pgwarden.pool.auth;

import java.io.IOException;

/**
 * A user list file is malformed. The message names the source and line; it never contains a secret.
 * An {@link IOException} so {@link UserList#load} callers handle unreadable and malformed files alike.
 */
public final class UserListFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    /** {@code line} is 1-based; 0 means the whole file. */
    public UserListFormatException(String source, int line, String problem) {
        super(line > 0 ? source + ":" + line + ": " + problem : source + ": " + problem);
        this.source = source;
        this.line = line;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }
}
