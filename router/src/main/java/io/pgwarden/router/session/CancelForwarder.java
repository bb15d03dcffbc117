package io.pgwarden.router.session;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.codec.PgMessageEncoder;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.tls.ServerTls;
import io.pgwarden.pool.tls.ServerTlsNegotiator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Sends a CancelRequest to the server a client is using, with that server's own key, over TLS
 * when {@code server.tls} asks for it (the same negotiation as a server connection's).
 */
public final class CancelForwarder {

    private static final Logger log = LoggerFactory.getLogger(CancelForwarder.class);

    private final Class<? extends Channel> channelType;
    private final Duration connectTimeout;
    private final ServerTls tls;

    public CancelForwarder(Class<? extends Channel> channelType, Duration connectTimeout) {
        this(channelType, connectTimeout, ServerTls.disabled());
    }

    public CancelForwarder(Class<? extends Channel> channelType, Duration connectTimeout, ServerTls tls) {
        this.channelType = channelType;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
    }

    void cancel(PoolKey server, BackendKeyData serverKey, EventLoop loop) {
        CancelRequest request = new CancelRequest(serverKey.processId(), serverKey.secretKey());
        new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls.enabled()) {
                            // Holds channelActive back until the connection is encrypted (or plain, for prefer).
                            ch.pipeline().addLast(ServerTlsNegotiator.NAME, new ServerTlsNegotiator(tls, server));
                        }
                        ch.pipeline().addLast(PgMessageEncoder.INSTANCE).addLast(new CancelSender(request, server));
                    }
                })
                .connect(server.host(), server.port());
    }

    /** Writes the request once the connection is ready; the server answers nothing and closes. */
    private static final class CancelSender extends ChannelInboundHandlerAdapter {
        private final CancelRequest request;
        private final PoolKey server;

        CancelSender(CancelRequest request, PoolKey server) {
            this.request = request;
            this.server = server;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.info("could not forward a cancel request to server {}: {}", server.node(), cause.getMessage());
            ctx.close();
        }
    }
}
