package io.pgwarden.pool.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.codec.FrameDecoder;
import io.pgwarden.pool.protocol.codec.PgMessageEncoder;
import io.pgwarden.pool.tls.ServerTls;
import io.pgwarden.pool.tls.ServerTlsNegotiator;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Opens and logs in new server connections on the event loop it is asked to use. */
public final class ServerConnector {

    /** Server frames are trusted, but a gigabyte is PostgreSQL's own ceiling for one message. */
    private static final int MAX_SERVER_FRAME = Integer.MAX_VALUE - 8;

    private final Class<? extends Channel> channelType;
    private final Duration connectTimeout;
    private final ServerTls tls;

    public ServerConnector(Class<? extends Channel> channelType, Duration connectTimeout) {
        this(channelType, connectTimeout, ServerTls.disabled());
    }

    /** @param tls asked for before the login when enabled; when disabled nothing is added to the plain path */
    public ServerConnector(Class<? extends Channel> channelType, Duration connectTimeout, ServerTls tls) {
        this.channelType = channelType;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
    }

    /**
     * Connects and logs in; the future completes on {@code loop} with a connection ready for
     * queries, or fails with a {@link ServerLoginException}.
     */
    public Future<ServerConnection> connect(PoolKey key, ServerCredentials credentials, EventLoop loop) {
        Promise<ServerConnection> promise = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls.enabled()) {
                            // Holds channelActive (and so the login) back until TLS is settled.
                            ch.pipeline().addLast(ServerTlsNegotiator.NAME, new ServerTlsNegotiator(tls, key));
                        }
                        ch.pipeline()
                                .addLast(FrameDecoder.NAME, new FrameDecoder(MAX_SERVER_FRAME))
                                .addLast("encoder", PgMessageEncoder.INSTANCE)
                                .addLast("login", new ServerLoginHandler(key, credentials, promise));
                    }
                });
        ChannelFuture connected = bootstrap.connect(key.host(), key.port());
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new ServerLoginException(SqlState.CONNECTION_FAILURE,
                        "could not connect to server " + key.node() + " at " + key.host() + ":" + key.port()
                                + ": " + f.cause().getMessage()));
            }
        });
        // Connecting has its own timeout; this one bounds the login that follows.
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (promise.tryFailure(new ServerLoginException(SqlState.CONNECTION_FAILURE,
                    "login to server " + key.node() + " timed out after " + connectTimeout.toMillis() + " ms"))) {
                connected.channel().close();
            }
        }, connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        promise.addListener(f -> timeout.cancel(false));
        return promise;
    }
}
