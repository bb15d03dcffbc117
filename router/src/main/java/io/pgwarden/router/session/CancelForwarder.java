package io.pgwarden.router.session;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.codec.PgMessageEncoder;
import io.pgwarden.pool.protocol.frontend.CancelRequest;

import java.time.Duration;

/** Sends a CancelRequest to the server a client is using, with that server's own key. */
public final class CancelForwarder {

    private final Class<? extends Channel> channelType;
    private final Duration connectTimeout;

    public CancelForwarder(Class<? extends Channel> channelType, Duration connectTimeout) {
        this.channelType = channelType;
        this.connectTimeout = connectTimeout;
    }

    void cancel(PoolKey server, BackendKeyData serverKey, EventLoop loop) {
        new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(PgMessageEncoder.INSTANCE);
                    }
                })
                .connect(server.host(), server.port())
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        // The server answers nothing and closes; we close after the write.
                        f.channel().writeAndFlush(new CancelRequest(serverKey.processId(), serverKey.secretKey()))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                });
    }
}
