package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.ClientTraffic;

/**
 * What both relays do alike with the client–server link they hold: flushes at the end of a read,
 * back-pressure both ways (a side whose socket fills stops the other side's reads until it drains),
 * a server connection lost under the client, and taking the connection away for good. Confined to
 * the client's event loop.
 */
abstract class ServerLink implements Relay {

    protected final ClientSession session;
    protected final ChannelHandlerContext client;
    protected final ClientTraffic traffic;
    protected ServerPool pool;
    /** The server connection the client holds now, or null. */
    protected ServerConnection server;

    ServerLink(ClientSession session, ChannelHandlerContext client, ClientTraffic traffic) {
        this.session = session;
        this.client = client;
        this.traffic = traffic;
    }

    /** Server frames for the client: false (and released) once the client is gone, else counted as sent. */
    protected boolean takeFromServer(ByteBuf frames) {
        if (session.isClosed()) {
            frames.release();
            return false;
        }
        traffic.sent(frames);
        return true;
    }

    @Override
    public void clientReadComplete() {
        if (server != null) {
            server.flush();
        }
    }

    @Override
    public void clientWritabilityChanged(boolean writable) {
        if (server != null) {
            server.channel().config().setAutoRead(writable);
        }
    }

    @Override
    public ServerConnection server() {
        return server;
    }

    @Override
    public void discardServer() {
        ServerConnection discarded = server;
        if (discarded != null) {
            server = null;
            pool.discard(discarded);
        }
    }

    @Override
    public EventExecutor executor() {
        return client.executor();
    }

    @Override
    public void onServerReadComplete() {
        client.flush();
    }

    @Override
    public void onServerWritabilityChanged(boolean writable) {
        client.channel().config().setAutoRead(writable);
    }

    @Override
    public void onServerClosed(ServerConnection closed) {
        if (server == closed && !session.isClosed()) {
            session.fatal(SqlState.CONNECTION_FAILURE, "the connection to server " + closed.key().node() + " was lost");
        }
    }
}
