package io.pgwarden.router.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StartupGateTest {

    private final AtomicInteger connecting = new AtomicInteger();

    /** Stands in for the session: records what reaches it. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            events.add(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("inactive");
        }
    }

    private static StartupMessage startup() {
        return new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "alice"));
    }

    @Test
    void socketWithinTheLimitHoldsASlotUntilItsStartupMessage() {
        Session session = new Session();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupGate(connecting, 2), session);
        assertThat(connecting).hasValue(1);

        channel.writeInbound(SslRequest.INSTANCE);
        assertThat(connecting).as("still negotiating").hasValue(1);
        channel.writeInbound(startup());

        assertThat(connecting).hasValue(0);
        assertThat(channel.pipeline().get(StartupGate.class)).as("gate steps out").isNull();
        assertThat(session.events).containsExactly("active", SslRequest.INSTANCE, startup());
        channel.finishAndReleaseAll();
        assertThat(connecting).hasValue(0);
    }

    @Test
    void socketClosedBeforeItsStartupMessageFreesItsSlot() {
        Session session = new Session();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupGate(connecting, 2), session);

        channel.close();

        assertThat(connecting).hasValue(0);
        assertThat(session.events).containsExactly("active", "inactive");
    }

    @Test
    void socketBeyondTheLimitIsToldTooManyConnectionsAndClosedUnheard() {
        EmbeddedChannel first = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        Session session = new Session();
        SlowSocket socket = new SlowSocket();
        EmbeddedChannel second = new EmbeddedChannel(socket, new StartupGate(connecting, 1), session);
        ByteBuf bytes = Unpooled.copiedBuffer(new byte[] {1, 2, 3});

        // What the client sent right after connecting, while the error is still on its way.
        second.writeInbound(bytes);

        ErrorResponse error = (ErrorResponse) socket.written.get(0);
        assertThat(error.sqlState()).isEqualTo("53300");
        assertThat(error.severity()).isEqualTo(ErrorResponse.FATAL);
        assertThat(error.message()).contains("max_client_conn");
        assertThat(bytes.refCnt()).as("what it sent is released, not passed on").isZero();
        assertThat(session.events).as("the session never starts").isEmpty();
        assertThat(connecting).as("only the first holds a slot").hasValue(1);

        socket.promise.setSuccess();
        assertThat(second.isOpen()).isFalse();
        assertThat(session.events).isEmpty();
        first.close();
        assertThat(connecting).hasValue(0);
    }

    /** Holds writes back until the test completes them. */
    private static final class SlowSocket extends ChannelOutboundHandlerAdapter {
        final List<Object> written = new ArrayList<>();
        ChannelPromise promise;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            written.add(msg);
            this.promise = promise;
        }
    }
}
