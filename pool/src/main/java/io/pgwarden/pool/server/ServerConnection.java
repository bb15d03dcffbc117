package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.TransactionStatus;
import io.pgwarden.pool.protocol.frontend.Query;
import io.pgwarden.pool.protocol.frontend.Terminate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    private final Map<String, String> initialParameters;
    private final long createdAtNanos = System.nanoTime();
    private final ReplyTracker replies = new ReplyTracker();
    private volatile TransactionStatus transactionStatus = TransactionStatus.IDLE;
    /** Settings the pool SET on this connection for its current client (not reported ones only). */
    private final Map<String, String> appliedSettings = new ConcurrentHashMap<>();
    /** The client settings this connection was last brought to, while nothing has changed them since. */
    private volatile Map<String, String> syncedSettings;
    /** Prepared statements the pool created here, least recently used first. */
    private final LinkedHashMap<String, Boolean> preparedStatements = new LinkedHashMap<>(16, 0.75f, true);
    private volatile ServerListener listener;
    private volatile long idleSinceNanos = createdAtNanos;

    ServerConnection(Channel channel, PoolKey key, BackendKeyData backendKey, Map<String, String> parameters) {
        this.channel = channel;
        this.key = key;
        this.backendKey = backendKey;
        this.parameters = new ConcurrentHashMap<>(parameters);
        this.initialParameters = Map.copyOf(parameters);
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

    /**
     * Whether the server is in recovery, as PostgreSQL 14+ reports it ({@code in_hot_standby}):
     * a node that holds the leader key can still be read-only for a moment around a promotion.
     */
    public boolean isHotStandby() {
        return "on".equals(parameters.get("in_hot_standby"));
    }

    /** The parameters as reported at login: this user's defaults on this server. */
    public Map<String, String> initialParameters() {
        return initialParameters;
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
        return channel.isActive() && replies.isSettled() && transactionStatus == TransactionStatus.IDLE;
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

    /**
     * Forwards one or more whole client frames in one buffer (ownership passes on); call
     * {@link #flush()} at the end of a read.
     */
    public void forward(ByteBuf frames) {
        replies.sent(frames);
        channel.write(frames, channel.voidPromise());
    }

    /** Sends a message of the pool's own inside the client's stream; its reply is swallowed. */
    public void inject(ByteBuf frame) {
        replies.sent(Frames.type(frame), true);
        channel.write(frame, channel.voidPromise());
    }

    /**
     * The settings the pool has SET here beyond the server's defaults; the caller keeps it
     * current. Touched only by the client that holds the connection.
     */
    public Map<String, String> appliedSettings() {
        return appliedSettings;
    }

    /**
     * Records that statement {@code name} exists here; returns the least recently used one to
     * close when more than {@code capacity} are kept, or null.
     */
    public String addPreparedStatement(String name, int capacity) {
        synchronized (preparedStatements) {
            preparedStatements.put(name, Boolean.TRUE);
            if (preparedStatements.size() <= capacity) {
                return null;
            }
            String eldest = preparedStatements.keySet().iterator().next();
            preparedStatements.remove(eldest);
            return eldest;
        }
    }

    public boolean hasPreparedStatement(String name) {
        synchronized (preparedStatements) {
            return preparedStatements.get(name) != null;
        }
    }

    public void removePreparedStatement(String name) {
        synchronized (preparedStatements) {
            preparedStatements.remove(name);
        }
    }

    /** DISCARD ALL or DEALLOCATE ALL ran: the server forgot every prepared statement. */
    void forgetPreparedStatements() {
        synchronized (preparedStatements) {
            preparedStatements.clear();
        }
    }

    /** DISCARD ALL ran: every setting is back at the server's default. */
    void forgetAppliedSettings() {
        appliedSettings.clear();
        syncedSettings = null;
    }

    /**
     * The (immutable) client settings this connection currently matches, or null if unknown:
     * lets a client with the same settings as the previous one skip the comparison entirely.
     */
    public Map<String, String> syncedSettings() {
        return syncedSettings;
    }

    public void syncedSettings(Map<String, String> settings) {
        this.syncedSettings = settings;
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

    /** Accounts for a reply; false when it answers an injected message and must be swallowed. */
    boolean onReply(byte type) {
        return replies.received(type);
    }

    void onReadyForQuery(TransactionStatus status) {
        transactionStatus = status;
    }

    void onParameterStatus(String name, String value) {
        parameters.put(name, value);
    }

    @Override
    public String toString() {
        return "server " + key + " pid " + backendKey.processId();
    }
}
