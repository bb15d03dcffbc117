package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.pinning.PinReason;

/**
 * Session mode: the server connection is the client's from login to logout, so frames go through
 * as they are, both ways, without a look inside. Back-pressure: when one side's socket fills, the
 * other side stops reading until it drains. Confined to the client's event loop.
 */
final class SessionForwarder implements Relay {

    private final ClientSession session;
    private final ChannelHandlerContext client;
    private final ClientTraffic traffic;
    private final CancelForwarder cancels;
    private ServerPool pool;
    private ServerConnection server;

    SessionForwarder(ClientSession session, ChannelHandlerContext client, ClientTraffic traffic, CancelForwarder cancels) {
        this.session = session;
        this.client = client;
        this.traffic = traffic;
        this.cancels = cancels;
    }

    @Override
    public void start(ServerPool pool, ServerConnection server) {
        this.pool = pool;
        this.server = server;
        server.link(this);
    }

    @Override
    public void fromClient(ByteBuf frames) {
        if (server == null) {
            frames.release(); // taken away (fenced, killed): the session is closing
            return;
        }
        server.forward(frames);
    }

    @Override
    public void lastFromClient(ByteBuf frames, int end) {
        int before = end - frames.readerIndex();
        if (before > 0 && server != null) {
            server.forward(frames.retainedSlice(frames.readerIndex(), before));
            server.flush();
        }
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
    public void releaseServer() {
        ServerConnection released = server;
        if (released != null) {
            server = null;
            // The client may have left any session state behind: always reset.
            pool.release(released, true);
        }
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
    public void cancel() {
        if (server != null) {
            cancels.cancel(server.key(), server.backendKey(), client.channel().eventLoop());
        }
    }

    @Override
    public boolean busyOn(String node) {
        return server != null && server.key().node().equals(node) && !server.isReusable();
    }

    @Override
    public String state() {
        return server != null ? "active" : "idle";
    }

    @Override
    public PinReason pinReason() {
        return null;
    }

    @Override
    public void close() {
    }

    // ---- the server's side ----------------------------------------------------------------------

    @Override
    public EventExecutor executor() {
        return client.executor();
    }

    @Override
    public void onServerFrames(ByteBuf frames) {
        if (session.isClosed()) {
            frames.release();
            return;
        }
        traffic.sent(frames);
        client.write(frames, client.voidPromise());
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
