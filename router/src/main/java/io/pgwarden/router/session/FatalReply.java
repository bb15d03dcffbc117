package io.pgwarden.router.session;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.protocol.backend.ErrorResponse;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The last words to a client: the FATAL error, then the close. The close waits for the error to
 * be written, but never longer than {@link #GRACE}: a client that stopped reading (a full socket
 * buffer) would otherwise keep its connection, and everything it holds, for ever.
 */
public final class FatalReply {

    /** How long the error may take to leave; far more than a readable client ever needs. */
    public static final Duration GRACE = Duration.ofSeconds(1);

    private FatalReply() {
    }

    public static void send(ChannelHandlerContext ctx, ErrorResponse error) {
        ScheduledFuture<?> forcedClose = ctx.executor().schedule(() -> {
            ctx.close();
        }, GRACE.toMillis(), TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE)
                .addListener(f -> forcedClose.cancel(false));
    }
}
