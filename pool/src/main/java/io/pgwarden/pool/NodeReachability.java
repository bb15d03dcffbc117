package io.pgwarden.pool;

import io.pgwarden.pool.server.ServerLoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the pools' last attempt to reach each node failed, so that a node that is down is
 * reported once when it goes and once when it comes back, not at every transaction that tries it.
 */
public final class NodeReachability {

    private static final Logger log = LoggerFactory.getLogger(NodeReachability.class);

    /** Node name to why it could not be reached. */
    private final Map<String, String> unreachable = new ConcurrentHashMap<>();

    /** A connection to {@code node} could not be opened; only failures that say the node may be down count. */
    public void failed(String node, Throwable cause) {
        if (!(cause instanceof ServerLoginException login) || !login.nodeMayBeDown()) {
            return;
        }
        if (unreachable.put(node, String.valueOf(cause.getMessage())) == null) {
            log.warn("server {} is unreachable: {}", node, cause.getMessage());
        }
    }

    /** A connection to {@code node} was opened. */
    public void reached(String node) {
        // Read first: the common case (nothing is down) stays a lookup in an empty map.
        if (!unreachable.isEmpty() && unreachable.remove(node) != null) {
            log.info("server {} is reachable again", node);
        }
    }

    public boolean isUnreachable(String node) {
        return unreachable.containsKey(node);
    }
}
