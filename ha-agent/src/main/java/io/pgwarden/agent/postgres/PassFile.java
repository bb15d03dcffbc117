package io.pgwarden.agent.postgres;

/** Lines of a libpq password file ({@code .pgpass}): {@code host:port:database:username:password}. */
final class PassFile {

    private PassFile() {
    }

    /** A line matching any host, port and database for {@code username}, ended by a newline. */
    static String anyHostLine(String username, String password) {
        return "*:*:*:" + escape(username) + ":" + escape(password) + "\n";
    }

    /** In a password file {@code :} separates fields, so it and the backslash are backslash-escaped. */
    static String escape(String field) {
        if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a user name or password for a password file cannot hold a line break");
        }
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
