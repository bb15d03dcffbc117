package io.pgwarden.pool.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.pool.protocol.codec.FrameDecoder;
import io.pgwarden.pool.protocol.codec.StartupDecoder;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

/** Telling a client's bad input (08P01) from a decoder's bug (logged as an error, XX000). */
class ProtocolExceptionTest {

    /** What reaches the end of the pipeline, as the session sees it. */
    private static final class Catcher extends ChannelInboundHandlerAdapter {
        Throwable caught;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught = cause;
        }
    }

    @Test
    void badInputThatOurDecodersRejectIsThePeersFault() {
        Catcher frames = new Catcher();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024), frames);
        channel.writeInbound(Unpooled.buffer().writeByte('Q').writeInt(2));
        assertThat(frames.caught).isInstanceOf(DecoderException.class);
        assertThat(ProtocolException.isPeerFault((DecoderException) frames.caught)).isTrue();
        channel.finishAndReleaseAll();

        Catcher startup = new Catcher();
        channel = new EmbeddedChannel(new StartupDecoder(1024), startup);
        channel.writeInbound(Unpooled.buffer().writeInt(9).writeInt(2 << 16).writeByte(0));
        assertThat(ProtocolException.isPeerFault((DecoderException) startup.caught)).isTrue();
        channel.finishAndReleaseAll();

        assertThat(ProtocolException.isPeerFault(new DecoderException(new SSLException("bad record")))).isTrue();
    }

    @Test
    void anUnexpectedExceptionNettyWrappedIsNot() {
        Catcher catcher = new Catcher();
        EmbeddedChannel channel = new EmbeddedChannel(new ByteToMessageDecoder() {
            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                in.skipBytes(in.readableBytes());
                throw new IndexOutOfBoundsException("a decoder bug");
            }
        }, catcher);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));

        assertThat(catcher.caught).isExactlyInstanceOf(DecoderException.class)
                .hasCauseInstanceOf(IndexOutOfBoundsException.class);
        assertThat(ProtocolException.isPeerFault((DecoderException) catcher.caught)).isFalse();
        channel.finishAndReleaseAll();
    }
}
