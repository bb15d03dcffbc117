package io.pgwarden.pool.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.frontend.StartupPacket;
import io.pgwarden.pool.server.ServerLoginException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SSLRequest exchange with a server, without a server: every answer it may get. */
class ServerTlsNegotiatorTest {

    private static final PoolKey KEY = new PoolKey("pg0", "127.0.0.1", 5432, "postgres", "app");

    private final Recorder recorder = new Recorder();
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void asksForTlsFirstAndHoldsTheLoginBack() throws Exception {
        start(ServerTlsMode.REQUIRE);

        ByteBuf request = channel.readOutbound();
        assertThat(request.readableBytes()).isEqualTo(8);
        assertThat(request.readInt()).isEqualTo(8);
        assertThat(request.readInt()).isEqualTo(StartupPacket.SSL_REQUEST_CODE);
        request.release();
        assertThat(recorder.active).as("the login must not start before TLS is settled").isFalse();
    }

    @Test
    void sStartsAHandshakeInFrontOfTheNegotiator() throws Exception {
        start(ServerTlsMode.REQUIRE);
        discardOutbound();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S'}));

        assertThat(channel.pipeline().first()).isInstanceOf(SslHandler.class);
        ByteBuf clientHello = channel.readOutbound();
        assertThat(clientHello.getByte(0)).as("a TLS handshake record").isEqualTo((byte) 0x16);
        clientHello.release();
        assertThat(recorder.active).isFalse();
    }

    @Test
    void nWithPreferGoesOnInPlainText() throws Exception {
        start(ServerTlsMode.PREFER);
        discardOutbound();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));

        assertThat(recorder.active).isTrue();
        assertThat(channel.pipeline().get(ServerTlsNegotiator.class)).isNull();
        assertThat(channel.pipeline().get(SslHandler.class)).isNull();
        assertThat(recorder.errors).isEmpty();
    }

    @Test
    void nWithRequireIsARefusalThatSaysTheNodeIsUp() throws Exception {
        start(ServerTlsMode.REQUIRE);
        discardOutbound();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));

        assertThat(recorder.active).isFalse();
        assertThat(recorder.errors).singleElement().isInstanceOfSatisfying(ServerLoginException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("08006");
            assertThat(e.getMessage()).contains("server pg0 (127.0.0.1:5432) does not accept TLS", "server.tls is require");
            assertThat(e.nodeMayBeDown()).isFalse();
        });
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void bytesAfterTheSAreRefusedNotTakenAsTls() throws Exception {
        start(ServerTlsMode.VERIFY_FULL);
        discardOutbound();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S', 'Z', 0, 0, 0, 5, 'I'}));

        assertThat(channel.pipeline().get(SslHandler.class)).isNull();
        assertThat(recorder.errors).singleElement().isInstanceOfSatisfying(ServerLoginException.class,
                e -> assertThat(e.getMessage()).contains("unencrypted data after agreeing to TLS"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void anErrorResponseIsPassedOnForTheLoginToReport() throws Exception {
        start(ServerTlsMode.REQUIRE);
        discardOutbound();
        ByteBuf error = Unpooled.buffer().writeByte('E').writeInt(4 + 2).writeByte(0).writeByte(0);

        channel.writeInbound(error);

        assertThat(recorder.reads).hasSize(1);
        assertThat(recorder.reads.get(0).getByte(0)).isEqualTo((byte) 'E');
        assertThat(channel.pipeline().get(ServerTlsNegotiator.class)).isNull();
    }

    @Test
    void anyOtherAnswerIsAProtocolViolation() throws Exception {
        start(ServerTlsMode.PREFER);
        discardOutbound();

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'X'}));

        assertThat(recorder.errors).singleElement().isInstanceOfSatisfying(ServerLoginException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("08P01");
            assertThat(e.getMessage()).contains("0x58");
        });
    }

    private void start(ServerTlsMode mode) throws Exception {
        ServerTls tls = ServerTls.of(mode, null, TlsHandshakeObserver.NONE);
        channel = new EmbeddedChannel(new ServerTlsNegotiator(tls, KEY), recorder);
    }

    private void discardOutbound() {
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ((ByteBuf) msg).release();
        }
    }

    /** Stands in for the login handler: what reached it. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        boolean active;
        final List<Throwable> errors = new ArrayList<>();
        final List<ByteBuf> reads = new ArrayList<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            reads.add(buf.copy());
            buf.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }
}
