package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerListener;
import io.pgwarden.router.pinning.PinReason;

/**
 * Carries a logged-in client's frames to its server and the replies back, for one pool mode:
 * {@link SessionForwarder} (the connection is the client's until logout) or {@link TransactionRelay}
 * (a connection per transaction). {@link ClientSession} feeds it the client's side; the server
 * connection it holds calls it as a {@link ServerListener}. Confined to the client's event loop.
 */
interface Relay extends ServerListener {

    /** The client is in; {@code server} is the connection its login was checked against. */
    void start(ServerPool pool, ServerConnection server);

    /** A run of whole frames from the client (Terminate excluded), now the relay's. */
    void fromClient(ByteBuf frames);

    /**
     * The client said goodbye: {@code frames} up to {@code end} (the Terminate) still go to the server
     * if they can go as they are; the relay does not take ownership.
     */
    void lastFromClient(ByteBuf frames, int end);

    /** The client's read is over: flush what went to the server. */
    void clientReadComplete();

    /** The client's socket filled up (false) or drained (true): pause or resume the server. */
    void clientWritabilityChanged(boolean writable);

    /** The server connection the client holds now, or null. */
    ServerConnection server();

    /** Gives the server connection back to its pool (reset if the client may have left state on it). */
    void releaseServer();

    /** Takes the server connection away for good: closed, never reused (fenced node, admin KILL). */
    void discardServer();

    /** The client's CancelRequest: to the server running its statement, or failing the statement held for one. */
    void cancel();

    /** Whether the client has work in flight on {@code node} (see {@link ClientSession#busyOn}). */
    boolean busyOn(String node);

    /** {@code active} (holds a server connection), {@code waiting} (for one) or {@code idle}, for SHOW CLIENTS. */
    String state();

    /** Why the client keeps its server connection in transaction mode, or null. */
    PinReason pinReason();

    /** The client is gone: frees what the relay holds besides the server connection. */
    void close();
}
