package io.pgwarden.router.session;

import io.netty.channel.ChannelHandlerContext;
import io.pgwarden.router.routing.ListenerRole;

/**
 * Where a client that logged in to the admin console's database goes instead of to a server.
 * The client has authenticated as every client does; the gate decides whether it may stay.
 */
public interface ConsoleGate {

    /** A gate for routers without a console: claims no database. */
    ConsoleGate NONE = new ConsoleGate() {
        @Override
        public boolean claims(String database) {
            return false;
        }

        @Override
        public void open(ChannelHandlerContext client, String user, String database, ListenerRole role) {
            throw new IllegalStateException("no admin console");
        }
    };

    boolean claims(String database);

    /**
     * Takes over the client's channel (on its event loop): sends the welcome and serves commands,
     * or refuses a user who is not an admin. No server connection is ever opened for it.
     */
    void open(ChannelHandlerContext client, String user, String database, ListenerRole role);
}
