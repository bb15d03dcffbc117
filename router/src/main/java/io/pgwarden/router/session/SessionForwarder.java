package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.pinning.PinReason;

/**
 * Session mode: the server connection is the client's from login to logout, so frames go through
 * as they are, both ways, without a look inside. Back-pressure: when one side's socket fills, the
 * other side stops reading until it drains. Confined to the client's event loop.
 */
final class SessionForwarder extends ServerLink {

    private final CancelForwarder cancels;

    SessionForwarder(ClientSession session, ChannelHandlerContext client, ClientTraffic traffic, CancelForwarder cancels) {
        super(session, client, traffic);
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
    public void releaseServer() {
        ServerConnection released = server;
        if (released != null) {
            server = null;
            // The client may have left any session state behind: always reset.
            pool.release(released, true);
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
    public void onServerFrames(ByteBuf frames) {
        if (!takeFromServer(frames)) {
            return;
        }
        client.write(frames, client.voidPromise());
    }

}
