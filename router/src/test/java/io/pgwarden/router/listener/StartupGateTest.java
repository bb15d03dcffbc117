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
import io.pgwarden.pool.protocol.frontend.CancelRequest;
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
    void socketBeyondTheLimitAnswersItsSslRequestThenIsToldTooManyClientsOnItsStartupMessage() {
        EmbeddedChannel first = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        Session session = new Session();
        SlowSocket socket = new SlowSocket();
        EmbeddedChannel second = new EmbeddedChannel(socket, new StartupGate(connecting, 1), session);
        assertThat(connecting).as("a refused socket waiting for its startup packet holds a slot").hasValue(2);

        second.writeInbound(SslRequest.INSTANCE);
        ByteBuf answer = (ByteBuf) socket.written.get(0);
        assertThat(answer.readByte()).as("no TLS on this port").isEqualTo((byte) 'N');
        answer.release();
        socket.promise.setSuccess();

        second.writeInbound(startup());
        ErrorResponse error = (ErrorResponse) socket.written.get(1);
        assertThat(error.sqlState()).isEqualTo("53300");
        assertThat(error.severity()).isEqualTo(ErrorResponse.FATAL);
        assertThat(error.message()).isEqualTo("sorry, too many clients already");
        assertThat(session.events).as("the session never starts").isEmpty();
        assertThat(connecting).as("told: only the first holds a slot").hasValue(1);

        // What it sends while the error is on its way is released, not passed on.
        ByteBuf late = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        second.writeInbound(late);
        assertThat(late.refCnt()).isZero();

        socket.promise.setSuccess();
        assertThat(second.isOpen()).isFalse();
        assertThat(session.events).isEmpty();
        first.close();
        assertThat(connecting).hasValue(0);
    }

    @Test
    void refusedSocketThatSaysNothingIsClosedWithoutAWord() {
        EmbeddedChannel first = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        SlowSocket socket = new SlowSocket();
        EmbeddedChannel second = new EmbeddedChannel(socket, new StartupGate(connecting, 1), new Session());

        second.advanceTimeBy(StartupGate.REFUSED_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        second.runScheduledPendingTasks();

        assertThat(second.isOpen()).isFalse();
        assertThat(socket.written).isEmpty();
        assertThat(connecting).hasValue(1);
        first.close();
        assertThat(connecting).hasValue(0);
    }

    @Test
    void refusedSocketsBeyondTwiceTheLimitAreToldAtOnceUnheard() {
        EmbeddedChannel first = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        EmbeddedChannel waiting = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        SlowSocket socket = new SlowSocket();
        Session session = new Session();
        EmbeddedChannel third = new EmbeddedChannel(socket, new StartupGate(connecting, 1), session);

        ErrorResponse error = (ErrorResponse) socket.written.get(0);
        assertThat(error.sqlState()).isEqualTo("53300");
        ByteBuf bytes = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        third.writeInbound(bytes);
        assertThat(bytes.refCnt()).isZero();
        assertThat(session.events).isEmpty();
        assertThat(connecting).hasValue(2);

        socket.promise.setSuccess();
        assertThat(third.isOpen()).isFalse();
        first.close();
        waiting.close();
        assertThat(connecting).hasValue(0);
    }

    @Test
    void refusedSocketsCancelRequestIsServed() {
        EmbeddedChannel first = new EmbeddedChannel(new StartupGate(connecting, 1), new Session());
        Session session = new Session();
        EmbeddedChannel second = new EmbeddedChannel(new StartupGate(connecting, 1), session);
        CancelRequest cancel = new CancelRequest(42, 7);

        second.writeInbound(cancel);

        assertThat(session.events).containsExactly("active", cancel);
        assertThat(connecting).hasValue(1);
        first.close();
        second.close();
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
