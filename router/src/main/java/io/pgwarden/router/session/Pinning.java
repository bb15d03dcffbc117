package io.pgwarden.router.session;

import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.pinning.PinReason;
import io.pgwarden.router.pinning.SessionStateDetector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a transaction-mode client is pinned to its server connection: from the first statement
 * that changes session state (a SET, a temporary table, LISTEN, ...; see {@link SessionStateDetector})
 * the connection stays the client's until logout. Confined to the client's event loop.
 */
final class Pinning {

    private static final Logger log = LoggerFactory.getLogger(Pinning.class);

    private final ClientIdentity client;
    private final RouterMetrics metrics;
    private PinReason reason;

    Pinning(ClientIdentity client, RouterMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
    }

    /** Why the client is pinned, or null while it is not. */
    PinReason reason() {
        return reason;
    }

    boolean isPinned() {
        return reason != null;
    }

    /** Looks at SQL the client sends to {@code server}: pins it the first time it changes session state. */
    void check(String sql, ServerConnection server) {
        if (reason != null) {
            return;
        }
        SessionStateDetector.detect(sql).ifPresent(found -> {
            reason = found;
            metrics.pinned(found);
            log.info("client {} pinned to {}: {} changes session state ({})", client, server, found.tag(), abbreviate(sql));
        });
    }

    /** The client is gone: it no longer counts as pinned. */
    void close() {
        if (reason != null) {
            metrics.unpinned(reason);
        }
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }
}
