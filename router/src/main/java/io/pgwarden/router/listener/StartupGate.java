package io.pgwarden.router.listener;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.router.session.FatalReply;
import io.pgwarden.router.tls.ClientTlsHandler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the sockets that have not yet sent their StartupMessage (connecting, negotiating SSL,
 * trickling a startup packet), which the client limits cannot see yet: at most {@code limit} of
 * them at once, across both ports. With the StartupMessage a socket leaves this count and enters
 * {@code max_client_conn}'s; this handler then steps out of the pipeline.
 *
 * <p>A socket beyond the limit is refused as PostgreSQL refuses one beyond {@code max_connections}:
 * its SSLRequest is still answered (the TLS handler behind us, or 'N'), and its StartupMessage gets
 * FATAL 53300 "sorry, too many clients already", so libpq shows that reason and not a failed SSL
 * exchange. Its CancelRequest is still served, as PostgreSQL serves one. The session never starts
 * for it. Such a socket gets {@link #REFUSED_WAIT} to say something; then it is closed without a
 * word. Refused sockets waiting like that are bounded too (another {@code limit}); one beyond both
 * is told at once and closed, unheard.
 */
final class StartupGate extends ChannelInboundHandlerAdapter {

    /** PostgreSQL's own text for a server that is full; drivers and people know it. */
    static final String TOO_MANY_CLIENTS = "sorry, too many clients already";
    /** How long a refused socket may take to send its startup packet; a real client needs milliseconds. */
    static final Duration REFUSED_WAIT = Duration.ofSeconds(5);

    private enum State { ADMITTED, REFUSED_WAITING, REFUSED_TOLD, PASSED }

    private final AtomicInteger pending;
    private final int limit;
    private State state;
    private boolean holdsSlot;
    private ScheduledFuture<?> refusedTimer;

    /** @param pending the count shared by every connection of the router */
    StartupGate(AtomicInteger pending, int limit) {
        this.pending = pending;
        this.limit = limit;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int now = pending.incrementAndGet();
        holdsSlot = true;
        if (now <= limit) {
            state = State.ADMITTED;
            ctx.fireChannelActive();
            return;
        }
        if (now <= 2 * limit) {
            // Holds a (refused) slot until it is told or gone, so waiting refusals stay bounded.
            state = State.REFUSED_WAITING;
            refusedTimer = ctx.executor().schedule(() -> {
                ctx.close();
            }, REFUSED_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        leave();
        tell(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case ADMITTED -> {
                if (msg instanceof StartupMessage) {
                    leave();
                    ctx.pipeline().remove(this);
                }
                ctx.fireChannelRead(msg);
            }
            case REFUSED_WAITING -> refusedRead(ctx, msg);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private void refusedRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SslRequest && ctx.pipeline().get(ClientTlsHandler.NAME) != null) {
            // TLS as the port is configured: the handshake happens, and the refusal comes over it.
            ctx.fireChannelRead(msg);
        } else if (msg instanceof StartupMessage) {
            leave();
            tell(ctx);
        } else if (msg instanceof CancelRequest) {
            // A cancel takes no slot: the session serves it and closes at once.
            leave();
            state = State.PASSED;
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
            ctx.fireChannelRead(msg);
        } else {
            // SSLRequest without TLS on this port, GSSENCRequest: no encryption, go on in plaintext.
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        }
    }

    private void tell(ChannelHandlerContext ctx) {
        state = State.REFUSED_TOLD;
        FatalReply.send(ctx, ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, TOO_MANY_CLIENTS));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state != State.ADMITTED) {
            // The session behind us never started: a refused client that also breaks the protocol just goes.
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leave();
        if (state == State.ADMITTED) {
            ctx.fireChannelInactive();
        }
    }

    private void leave() {
        if (refusedTimer != null) {
            refusedTimer.cancel(false);
            refusedTimer = null;
        }
        if (holdsSlot) {
            holdsSlot = false;
            pending.decrementAndGet();
        }
    }
}
