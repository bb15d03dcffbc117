package io.pgwarden.router.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.pool.tls.TlsFailures;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.tls.TlsHandshakeObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;

/**
 * TLS for one client connection, on a listener whose mode is {@code allow} or {@code require}:
 * answers its SSLRequest with 'S' and puts an {@link SslHandler} at the head of the pipeline, so
 * the startup decoder behind it goes on with the decrypted stream. On a {@code require} port a
 * StartupMessage that did not come over TLS is refused (28000). It sits between the startup
 * decoder and the session and leaves once the StartupMessage has passed: the regular phase never
 * sees it. Listeners with TLS disabled do not get this handler at all.
 */
public final class ClientTlsHandler extends ChannelInboundHandlerAdapter {

    public static final String NAME = "tls";
    public static final String SSL_HANDLER_NAME = "ssl";

    private static final Logger log = LoggerFactory.getLogger(ClientTlsHandler.class);

    private final ClientTlsMode mode;
    private final SslContext context;
    private final TlsHandshakeObserver observer;
    private boolean refused;
    private SslHandler ssl;

    public ClientTlsHandler(ClientTlsMode mode, SslContext context, TlsHandshakeObserver observer) {
        if (mode == ClientTlsMode.DISABLE) {
            throw new IllegalArgumentException("a listener with TLS disabled needs no TLS handler");
        }
        this.mode = mode;
        this.context = context;
        this.observer = observer;
    }

    /** Whether this client connection runs over TLS. */
    public static boolean isEncrypted(Channel channel) {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof SslRequest) {
            onSslRequest(ctx);
        } else if (msg instanceof StartupMessage) {
            if (mode == ClientTlsMode.REQUIRE && !isEncrypted(ctx.channel())) {
                log.info("refused a client from {} without TLS on a port that requires it", ctx.channel().remoteAddress());
                refuse(ctx, SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                        "TLS is required on this port: connect with sslmode=require (or verify-ca, verify-full)");
                return;
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        } else {
            // GSSENCRequest and CancelRequest: the session answers them (a cancel needs no TLS).
            ctx.fireChannelRead(msg);
        }
    }

    private void onSslRequest(ChannelHandlerContext ctx) {
        if (isEncrypted(ctx.channel())) {
            refuse(ctx, SqlState.PROTOCOL_VIOLATION, "SSL request on a connection that already uses TLS");
            return;
        }
        // The startup decoder has checked that nothing came after the request. The 'S' leaves in
        // plain text before the SslHandler exists; every byte after it is TLS.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
        ssl = context.newHandler(ctx.alloc());
        ctx.pipeline().addFirst(SSL_HANDLER_NAME, ssl);
        ssl.handshakeFuture().addListener(f -> onHandshake(ctx, f));
    }

    private void onHandshake(ChannelHandlerContext ctx, Future<?> handshake) {
        observer.handshakeDone(handshake.isSuccess());
        if (!handshake.isSuccess()) {
            log.info("TLS handshake with client {} failed: {}", ctx.channel().remoteAddress(),
                    TlsFailures.deepestMessage(handshake.cause()));
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ssl != null && TlsFailures.find(cause, SSLException.class) != null) {
            // A failed handshake is logged by onHandshake; either way this client is done.
            if (ssl.handshakeFuture().isSuccess()) {
                log.info("TLS error from client {}: {}", ctx.channel().remoteAddress(), TlsFailures.deepestMessage(cause));
            }
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(ChannelHandlerContext ctx, String sqlState, String message) {
        refused = true;
        ctx.writeAndFlush(ErrorResponse.fatal(sqlState, message)).addListener(ChannelFutureListener.CLOSE);
    }
}
