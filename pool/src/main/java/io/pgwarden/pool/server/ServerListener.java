package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * The client side of a link, as the server connection sees it. Every callback runs on
 * {@link #executor()}, so the client's state stays confined to its own event loop.
 */
public interface ServerListener {

    EventExecutor executor();

    /**
     * One or more whole frames from the server, as one buffer; the listener owns it (forward it
     * or release it). A ReadyForQuery is always the last frame of its buffer.
     */
    void onServerFrames(ByteBuf frames);

    /** The server has no more to read for now: time to flush. */
    void onServerReadComplete();

    /** The server's socket filled up (false) or drained (true): pause or resume the client. */
    void onServerWritabilityChanged(boolean writable);

    /** The server connection went away while linked. */
    void onServerClosed(ServerConnection server);
}
