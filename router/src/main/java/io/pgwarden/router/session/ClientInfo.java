package io.pgwarden.router.session;

import io.pgwarden.pool.PoolMode;
import io.pgwarden.router.routing.ListenerRole;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One logged-in client at one moment, as SHOW CLIENTS lists it.
 *
 * @param state       {@code active} (holds a server connection), {@code waiting} (for one), or {@code idle}
 * @param pinReason   why a transaction-mode client keeps its server connection, or null
 * @param server      the node of the server connection it holds, or null
 */
public record ClientInfo(String user, String database, ListenerRole listener, int listenerPort,
                         InetSocketAddress address, String state, Instant connectedAt, PoolMode mode,
                         String pinReason, boolean tls, String server) {
}
