package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FatalReplyTest {

    /** A peer that stopped reading: writes never complete. */
    private static final class StuckSocket extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The handler whose context sends the reply, after {@code below}, which sit nearer the socket. */
    private static EmbeddedChannel channel(ChannelOutboundHandlerAdapter... below) {
        EmbeddedChannel channel = new EmbeddedChannel(below);
        channel.pipeline().addLast("session", new ChannelOutboundHandlerAdapter());
        channel.freezeTime();
        return channel;
    }

    @Test
    void closesOnceTheErrorIsWritten() {
        EmbeddedChannel channel = channel();

        FatalReply.send(channel.pipeline().context("session"), ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "bad"));

        assertThat((Object) channel.readOutbound()).isInstanceOf(ErrorResponse.class);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void closesAfterTheGraceWhenTheErrorCannotBeWritten() {
        EmbeddedChannel channel = channel(new StuckSocket());

        FatalReply.send(channel.pipeline().context("session"), ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "bad"));
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("waits for the write first").isTrue();

        channel.advanceTimeBy(FatalReply.GRACE.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isFalse();
    }
}
