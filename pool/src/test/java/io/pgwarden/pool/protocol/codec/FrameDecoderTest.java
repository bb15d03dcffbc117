package io.pgwarden.pool.protocol.codec;

import static io.pgwarden.pool.protocol.codec.StartupDecoderTest.assertFrame;
import static io.pgwarden.pool.protocol.codec.StartupDecoderTest.encode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.frontend.Query;
import io.pgwarden.pool.protocol.frontend.Terminate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameDecoderTest {

    private static final int MAX_FRAME = 64;

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void decodesOneFrame() {
        channel.writeInbound(encode(new Query("SELECT 1")));

        assertFrame(channel.readInbound(), MessageTypes.QUERY, "SELECT 1");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesFrameWithEmptyPayload() {
        channel.writeInbound(encode(Terminate.INSTANCE));

        assertFrame(channel.readInbound(), MessageTypes.TERMINATE, "");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesFramesFedOneByteAtATime() {
        ByteBuf all = Unpooled.buffer();
        new Query("SELECT 1").encode(all);
        Terminate.INSTANCE.encode(all);
        new Query("SELECT 'two'").encode(all);

        List<Object> decoded = new ArrayList<>();
        while (all.isReadable()) {
            channel.writeInbound(all.readRetainedSlice(1));
            for (Object msg; (msg = channel.readInbound()) != null; ) {
                decoded.add(msg);
            }
        }
        all.release();

        assertThat(decoded).hasSize(3);
        assertFrame(decoded.get(0), MessageTypes.QUERY, "SELECT 1");
        assertFrame(decoded.get(1), MessageTypes.TERMINATE, "");
        assertFrame(decoded.get(2), MessageTypes.QUERY, "SELECT 'two'");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesSeveralFramesInOneRead() {
        ByteBuf all = Unpooled.buffer();
        for (int i = 0; i < 10; i++) {
            new Query("SELECT " + i).encode(all);
        }

        channel.writeInbound(all);

        for (int i = 0; i < 10; i++) {
            assertFrame(channel.readInbound(), MessageTypes.QUERY, "SELECT " + i);
        }
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void frameOfExactlyTheMaximumIsAccepted() {
        // type byte + length + payload = MAX_FRAME
        String sql = "x".repeat(MAX_FRAME - 5 - 1);
        ByteBuf frame = encode(new Query(sql));
        assertThat(frame.readableBytes()).isEqualTo(MAX_FRAME);

        channel.writeInbound(frame);

        assertFrame(channel.readInbound(), MessageTypes.QUERY, sql);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void frameAboveTheMaximumFailsBeforeItArrives() {
        // Only the header is sent: failing fast means not waiting for (or buffering) the body.
        ByteBuf header = Unpooled.buffer().writeByte(MessageTypes.QUERY).writeInt(1_000_000);

        assertThatThrownBy(() -> channel.writeInbound(header)).isInstanceOf(DecoderException.class);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void frameOneAboveTheMaximumIsRefused() {
        ByteBuf frame = encode(new Query("x".repeat(MAX_FRAME - 5)));
        assertThat(frame.readableBytes()).isEqualTo(MAX_FRAME + 1);

        assertThatThrownBy(() -> channel.writeInbound(frame)).isInstanceOf(DecoderException.class);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, 3})
    void lengthBelowFourIsRefused(int length) {
        ByteBuf frame = Unpooled.buffer().writeByte(MessageTypes.QUERY).writeInt(length);

        assertThatThrownBy(() -> channel.writeInbound(frame)).isInstanceOf(DecoderException.class);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void nothingIsDecodedAfterABadLength() {
        // A stream with a broken frame cannot be resynchronised: what follows is not taken for frames.
        ByteBuf bytes = Unpooled.buffer().writeByte(MessageTypes.QUERY).writeInt(2);
        new Query("SELECT 1").encode(bytes);

        assertThatThrownBy(() -> channel.writeInbound(bytes)).isInstanceOf(DecoderException.class);
        assertThat(channel.writeInbound(encode(new Query("SELECT 2")))).isFalse();
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void nothingIsDecodedAfterAnOversizedFrame() {
        ByteBuf bytes = Unpooled.buffer().writeByte(MessageTypes.QUERY).writeInt(MAX_FRAME + 10).writeZero(MAX_FRAME + 6);
        new Query("SELECT 1").encode(bytes);

        assertThatThrownBy(() -> channel.writeInbound(bytes)).isInstanceOf(DecoderException.class);
        assertThat(channel.writeInbound(encode(new Query("SELECT 2")))).isFalse();
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void truncatedFrameYieldsNothing() {
        ByteBuf frame = encode(new Query("SELECT 1"));
        channel.writeInbound(frame.readRetainedSlice(frame.readableBytes() - 1));
        frame.release();

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void headerCutShortYieldsNothing() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'Q', 0, 0}));

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void frameIsPassedOnWithoutCopyingItsBytes() {
        ByteBuf frame = encode(new Query("SELECT 1"));
        int expectedLength = frame.readableBytes();

        channel.writeInbound(frame);

        ByteBuf decoded = channel.readInbound();
        try {
            assertThat(decoded.readableBytes()).isEqualTo(expectedLength);
            assertThat(decoded.refCnt()).isEqualTo(1);
        } finally {
            decoded.release();
        }
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void inRunModeAllCompleteFramesOfAReadComeAsOneBufferAndTheTailWaits() {
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME);
        decoder.emitRuns();
        EmbeddedChannel runs = new EmbeddedChannel(decoder);
        ByteBuf all = Unpooled.buffer();
        new Query("SELECT 1").encode(all);
        Terminate.INSTANCE.encode(all);
        new Query("SELECT 'two'").encode(all);
        int firstTwo = encode(new Query("SELECT 1")).readableBytes() + 5;

        runs.writeInbound(all.readRetainedSlice(all.readableBytes() - 3));
        ByteBuf run = runs.readInbound();
        assertThat(run.readableBytes()).isEqualTo(firstTwo);
        assertThat(io.pgwarden.pool.protocol.Frames.indexOf(run, MessageTypes.TERMINATE))
                .isEqualTo(run.readerIndex() + firstTwo - 5);
        run.release();
        assertThat((Object) runs.readInbound()).isNull();

        runs.writeInbound(all);
        assertFrame(runs.readInbound(), MessageTypes.QUERY, "SELECT 'two'");
        assertThat(runs.finish()).isFalse();
    }

    @Test
    void inRunModeGoodFramesBeforeABadLengthStillGoOn() {
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME);
        decoder.emitRuns();
        EmbeddedChannel runs = new EmbeddedChannel(decoder);
        ByteBuf bytes = Unpooled.buffer();
        new Query("SELECT 1").encode(bytes);
        bytes.writeByte(MessageTypes.QUERY).writeInt(2);

        assertThatThrownBy(() -> runs.writeInbound(bytes)).isInstanceOf(DecoderException.class);
        assertFrame(runs.readInbound(), MessageTypes.QUERY, "SELECT 1");
        assertThat(runs.writeInbound(encode(new Query("SELECT 2")))).isFalse();
        assertThat(runs.finish()).isFalse();
    }

    @Test
    void beforeLoginAFrameAboveTheLoginLimitFailsFromItsHeaderAlone() {
        EmbeddedChannel login = new EmbeddedChannel(new FrameDecoder(1024 * 1024, 100));
        // A client that has not logged in must not make us wait for (and buffer) a megabyte.
        ByteBuf header = Unpooled.buffer().writeByte(MessageTypes.PASSWORD).writeInt(500_000);

        assertThatThrownBy(() -> login.writeInbound(header)).isInstanceOf(DecoderException.class);
        assertThat(login.writeInbound(encode(new Query("SELECT 1")))).isFalse();
        assertThat(login.finish()).isFalse();
    }

    @Test
    void beforeLoginAFrameWithinTheLoginLimitIsDecodedEvenFedByteByByte() {
        EmbeddedChannel login = new EmbeddedChannel(new FrameDecoder(1024 * 1024, 100));
        ByteBuf frame = encode(new Query("x".repeat(80)));

        while (frame.isReadable()) {
            login.writeInbound(frame.readRetainedSlice(1));
        }
        frame.release();

        assertFrame(login.readInbound(), MessageTypes.QUERY, "x".repeat(80));
        assertThat(login.finish()).isFalse();
    }

    @Test
    void afterLoginTheFullMaximumApplies() {
        FrameDecoder decoder = new FrameDecoder(1024 * 1024, 100);
        EmbeddedChannel login = new EmbeddedChannel(decoder);
        decoder.loginCompleted();

        login.writeInbound(encode(new Query("x".repeat(5000))));

        assertFrame(login.readInbound(), MessageTypes.QUERY, "x".repeat(5000));
        assertThat(login.finish()).isFalse();
    }

    @Test
    void theLoginLimitNeverExceedsTheMaximum() {
        EmbeddedChannel login = new EmbeddedChannel(new FrameDecoder(MAX_FRAME, 1024 * 1024));

        assertThatThrownBy(() -> login.writeInbound(encode(new Query("x".repeat(MAX_FRAME)))))
                .isInstanceOf(DecoderException.class);
        assertThat(login.finish()).isFalse();
    }
}
