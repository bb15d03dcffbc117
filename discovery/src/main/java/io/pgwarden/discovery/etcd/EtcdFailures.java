package io.pgwarden.discovery.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Says in one line why etcd refused a client, naming the setting to fix: a wrong user or password,
 * a user without the permission, a certificate etcd or the client does not trust.
 */
public final class EtcdFailures {

    private EtcdFailures() {
    }

    /**
     * What the error itself shows about authentication or permissions; empty for anything else
     * (timeouts, lost connections: see {@link #probe}).
     */
    public static Optional<String> fromError(Throwable error, EtcdAccess access) {
        String text = messages(error);
        EtcdSecurity security = access.security();
        String user = security.username().map(u -> "user '" + u + "'").orElse("no user");
        if (text.contains("authentication failed") || text.contains("invalid user ID or password")) {
            return Optional.of("etcd rejected " + user + ": authentication failed ("
                    + access.setting(security.username().isPresent() ? "password" : "username") + ")");
        }
        if (text.contains("user name is empty") || text.contains("user name not found")) {
            return Optional.of("etcd requires a user name and password: set " + access.setting("username", "password"));
        }
        if (text.contains("permission denied")) {
            String who = security.username().map(u -> "user '" + u + "'")
                    .or(() -> security.cert().map(c -> "the user named by the CN of " + c))
                    .orElse("this client");
            return Optional.of("etcd denied " + who + " access: grant it read-write on the cluster's prefix ("
                    + access.setting(security.username().isPresent() ? "username" : "cert") + ")");
        }
        return Optional.empty();
    }

    /**
     * Connects to each endpoint as the client would and reports the first TLS or protocol problem;
     * empty when every endpoint shakes hands (or none answers at all). Blocks up to {@code timeout}
     * per endpoint.
     */
    public static Optional<String> probe(EtcdAccess access, Duration timeout) {
        for (URI endpoint : access.endpoints()) {
            Optional<String> problem = TlsProbe.probe(access, endpoint, timeout);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Whether the error tells nothing about its cause: a timeout, or a connection that never came up. */
    public static boolean isSilent(Throwable error) {
        Throwable cause = unwrap(error);
        String text = messages(error);
        return cause instanceof TimeoutException || text.contains("UNAVAILABLE") || text.contains("DEADLINE_EXCEEDED");
    }

    /**
     * For a command-line tool after a failed call: the clear reason when there is one to find
     * (probing the endpoints for up to {@code probeTimeout} each when the error is silent), else the
     * error's own message.
     */
    public static String explain(Throwable error, EtcdAccess access, Duration probeTimeout) {
        Optional<String> known = fromError(error, access);
        if (known.isPresent()) {
            return known.get();
        }
        if (isSilent(error)) {
            Optional<String> probed = probe(access, probeTimeout);
            if (probed.isPresent()) {
                return probed.get();
            }
        }
        Throwable cause = unwrap(error);
        if (cause instanceof TimeoutException) {
            return "no answer from etcd at " + access.endpoints() + " in time";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String messages(Throwable error) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = error; t != null && depth < 10; t = t.getCause(), depth++) {
            text.append(t).append(" | ");
        }
        return text.toString();
    }
}
