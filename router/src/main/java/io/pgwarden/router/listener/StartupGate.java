package io.pgwarden.router.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.router.session.FatalReply;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the sockets that have not yet sent their StartupMessage (connecting, negotiating SSL,
 * trickling a startup packet), which the client limits cannot see yet: at most {@code limit} of
 * them at once, across both ports. A socket accepted beyond that is told FATAL 53300 and closed
 * at once, without reading a byte. With the StartupMessage a socket leaves this count and enters
 * {@code max_client_conn}'s; this handler then steps out of the pipeline.
 */
final class StartupGate extends ChannelInboundHandlerAdapter {

    private final AtomicInteger pending;
    private final int limit;
    private boolean holdsSlot;
    private boolean refused;

    /** @param pending the count shared by every connection of the router */
    StartupGate(AtomicInteger pending, int limit) {
        this.pending = pending;
        this.limit = limit;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            refused = true;
            // Not passed on: the session never starts, so it arms no timer and holds nothing.
            FatalReply.send(ctx, ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS,
                    "no more connections allowed (max_client_conn): " + limit + " connections are already logging in"));
            return;
        }
        holdsSlot = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof StartupMessage) {
            leave();
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (refused) {
            return; // Already being closed; the session behind us never started.
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leave();
        if (!refused) {
            ctx.fireChannelInactive();
        }
    }

    private void leave() {
        if (holdsSlot) {
            holdsSlot = false;
            pending.decrementAndGet();
        }
    }
}
