package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.TransactionStatus;
import io.pgwarden.pool.protocol.frontend.Query;
import io.pgwarden.pool.protocol.frontend.Terminate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One authenticated connection to PostgreSQL. It tracks what a pool must know to hand it on
 * safely: the transaction status, how many replies are still owed, the server's reported
 * parameters. Its channel lives on one event loop; the linked client may live on another, so
 * the fields read across loops are volatile or concurrent.
 */
public final class ServerConnection {

    private final Channel channel;
    private final PoolKey key;
    private final BackendKeyData backendKey;
    private final Map<String, String> parameters;
    private final long createdAtNanos = System.nanoTime();
    private final AtomicInteger pendingReplies = new AtomicInteger();
    private volatile TransactionStatus transactionStatus = TransactionStatus.IDLE;
    private volatile ServerListener listener;
    private volatile long idleSinceNanos = createdAtNanos;

    ServerConnection(Channel channel, PoolKey key, BackendKeyData backendKey, Map<String, String> parameters) {
        this.channel = channel;
        this.key = key;
        this.backendKey = backendKey;
        this.parameters = new ConcurrentHashMap<>(parameters);
    }

    public PoolKey key() {
        return key;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** The server's own cancel key, needed to forward a client's CancelRequest. */
    public BackendKeyData backendKey() {
        return backendKey;
    }

    /** The parameters the server has reported so far (server_version, TimeZone, ...). */
    public Map<String, String> parameters() {
        return Map.copyOf(parameters);
    }

    public TransactionStatus transactionStatus() {
        return transactionStatus;
    }

    public long createdAtNanos() {
        return createdAtNanos;
    }

    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** True when nothing is in flight and no transaction is open: safe to give to someone else. */
    public boolean isReusable() {
        return channel.isActive() && pendingReplies.get() == 0 && transactionStatus == TransactionStatus.IDLE;
    }

    public void link(ServerListener listener) {
        this.listener = listener;
    }

    public void unlink() {
        this.listener = null;
        channel.config().setAutoRead(true);
        this.idleSinceNanos = System.nanoTime();
    }

    ServerListener listener() {
        return listener;
    }

    /** Forwards a client frame (ownership passes on); call {@link #flush()} at the end of a read. */
    public void forward(ByteBuf frame) {
        byte type = Frames.type(frame);
        if (type == MessageTypes.QUERY || type == MessageTypes.SYNC || type == MessageTypes.FUNCTION_CALL) {
            pendingReplies.incrementAndGet();
        }
        channel.write(frame, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    /**
     * Runs a statement of the pool's own (reset query, SETs) while no client is linked; the
     * future fails with the server's error, if any.
     */
    public Future<Void> execute(String sql) {
        Promise<Void> promise = channel.eventLoop().newPromise();
        channel.eventLoop().execute(() -> {
            ServerHandler handler = channel.pipeline().get(ServerHandler.class);
            if (handler == null || !channel.isActive()) {
                promise.tryFailure(new IllegalStateException("server connection " + key + " is closed"));
                return;
            }
            handler.beginInternalQuery(promise);
            channel.writeAndFlush(new Query(sql));
        });
        return promise;
    }

    /** Says goodbye and closes; safe to call more than once, from any thread. */
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(Terminate.INSTANCE).addListener(f -> channel.close());
        } else {
            channel.close();
        }
    }

    void onReadyForQuery(TransactionStatus status, boolean internal) {
        transactionStatus = status;
        if (!internal) {
            pendingReplies.updateAndGet(n -> n > 0 ? n - 1 : 0);
        }
    }

    void onParameterStatus(String name, String value) {
        parameters.put(name, value);
    }

    @Override
    public String toString() {
        return "server " + key + " pid " + backendKey.processId();
    }
}
