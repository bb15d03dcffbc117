package io.pgwarden.pool.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.server.ServerLoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateException;

/**
 * Asks PostgreSQL for TLS before anything else is sent: writes an SSLRequest, reads the one-byte
 * answer and, on 'S', puts an {@link SslHandler} in front of itself. {@code channelActive} is
 * held back until the connection is ready (encrypted, or plain where {@code server.tls} allows
 * it), so whatever logs in behind this handler starts the same way with TLS or without. It
 * removes itself once done; a refusal is fired as a {@link ServerLoginException}.
 */
public final class ServerTlsNegotiator extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ServerTlsNegotiator.class);

    public static final String NAME = "tls-negotiation";
    public static final String SSL_HANDLER_NAME = "ssl";

    private final ServerTls tls;
    private final PoolKey key;
    private boolean handshaking;

    public ServerTlsNegotiator(ServerTls tls, PoolKey key) {
        if (!tls.enabled()) {
            throw new IllegalArgumentException("server TLS is disabled: no negotiation to do");
        }
        this.tls = tls;
        this.key = key;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Raw bytes: the encoder sits behind this handler.
        ByteBuf request = ctx.alloc().buffer(8);
        SslRequest.INSTANCE.encode(request);
        ctx.writeAndFlush(request);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (handshaking) {
            // The server speaks only after our StartupMessage; pass on whatever came anyway.
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (!in.isReadable()) {
            in.release();
            return;
        }
        byte answer = in.getByte(in.readerIndex());
        switch (answer) {
            case 'S' -> {
                in.skipBytes(1);
                boolean more = in.isReadable();
                in.release();
                if (more) {
                    // Bytes after the 'S' were not sent over TLS, and must not be read as if they
                    // were (CVE-2021-23222 in libpq).
                    fail(ctx, ServerLoginException.tlsRefused(server() + " sent unencrypted data after agreeing to TLS;"
                            + " refusing the connection (a man in the middle may be injecting data)", null));
                } else {
                    startHandshake(ctx);
                }
            }
            case 'N' -> {
                in.skipBytes(1);
                if (tls.mode() == ServerTlsMode.PREFER) {
                    ctx.pipeline().remove(this);
                    ctx.fireChannelActive();
                    passOnOrRelease(ctx, in);
                } else {
                    in.release();
                    fail(ctx, ServerLoginException.tlsRefused(server() + " does not accept TLS (it answered 'N' to the"
                            + " SSL request), and server.tls is " + tls.mode().configName(), null));
                }
            }
            case 'E' -> {
                // An ErrorResponse instead of an answer: the login handler behind us reads and reports it.
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(in);
            }
            default -> {
                in.release();
                fail(ctx, new ServerLoginException(SqlState.PROTOCOL_VIOLATION, server()
                        + " answered the SSL request with byte 0x" + Integer.toHexString(answer & 0xFF)
                        + " instead of 'S' or 'N'"));
            }
        }
    }

    private void startHandshake(ChannelHandlerContext ctx) {
        handshaking = true;
        SslHandler ssl = tls.newHandler(ctx.alloc(), key.host(), key.port());
        ctx.pipeline().addBefore(ctx.name(), SSL_HANDLER_NAME, ssl);
        ssl.handshakeFuture().addListener(f -> {
            tls.observer().handshakeDone(f.isSuccess());
            if (f.isSuccess()) {
                ctx.pipeline().remove(this);
                ctx.fireChannelActive();
            } else {
                fail(ctx, handshakeFailure(f.cause(), ctx.channel().isActive()));
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (handshaking && TlsFailures.find(cause, SSLException.class) != null) {
            return; // the failed handshake future reports it, with a better message
        }
        ctx.fireExceptionCaught(cause);
    }

    private ServerLoginException handshakeFailure(Throwable cause, boolean stillConnected) {
        String detail = TlsFailures.deepestMessage(cause);
        if (!stillConnected) {
            // The server went away mid-handshake: it may be down, as with any lost connection.
            return new ServerLoginException("TLS handshake with " + server() + " failed: " + detail, cause);
        }
        if (TlsFailures.find(cause, CertificateException.class) != null) {
            return ServerLoginException.tlsRefused("the TLS certificate of " + server() + " was not accepted (server.tls "
                    + tls.mode().configName() + "): " + detail, cause);
        }
        return ServerLoginException.tlsRefused("TLS handshake with " + server() + " failed: " + detail, cause);
    }

    private void fail(ChannelHandlerContext ctx, ServerLoginException e) {
        // Mostly a configuration problem on one side or the other: worth a line each time.
        log.warn("{}", e.getMessage());
        ctx.fireExceptionCaught(e);
        ctx.close();
    }

    private static void passOnOrRelease(ChannelHandlerContext ctx, ByteBuf rest) {
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
    }

    private String server() {
        return "server " + key.node() + " (" + key.host() + ":" + key.port() + ")";
    }
}
