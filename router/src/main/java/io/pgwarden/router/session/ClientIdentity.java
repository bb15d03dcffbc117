package io.pgwarden.router.session;

import io.pgwarden.pool.PoolMode;
import io.pgwarden.router.routing.ListenerRole;

import java.net.InetSocketAddress;

/**
 * Who a logged-in client is: what it logged in as, through which listener and from where, and how
 * its server connections are pooled.
 *
 * @param connectedAtMillis when its socket was accepted (wall clock)
 */
record ClientIdentity(String user, String database, ListenerRole role, PoolMode mode, InetSocketAddress address,
                      long connectedAtMillis) {

    /** For log lines: {@code user@database from host}. */
    @Override
    public String toString() {
        return user + "@" + database + " from " + address.getAddress().getHostAddress();
    }
}
