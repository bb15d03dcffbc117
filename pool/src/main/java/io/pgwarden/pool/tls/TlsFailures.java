package io.pgwarden.pool.tls;

/**
 * Reading a failed handshake: the JDK wraps the cause that says what went wrong (an expired
 * certificate, a name mismatch) several levels deep, under messages that say little.
 */
public final class TlsFailures {

    private TlsFailures() {
    }

    /** The first cause in the chain of the given type, or null. */
    public static <T extends Throwable> T find(Throwable cause, Class<T> type) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The message of the deepest cause that has one: usually the one that names the problem. */
    public static String deepestMessage(Throwable cause) {
        String message = cause.toString();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }
}
