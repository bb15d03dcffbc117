package io.pgwarden.pool.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.GssEncRequest;
import io.pgwarden.pool.protocol.frontend.Query;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.protocol.frontend.Terminate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StartupDecoderTest {

    private static final int MAX_FRAME = 1024;

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new StartupDecoder(MAX_FRAME));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void decodesStartupMessageAndHandsOverToFrameDecoder() {
        StartupMessage startup = startup("alice", "app");

        assertThat(channel.writeInbound(encode(startup))).isTrue();

        assertThat((Object) channel.readInbound()).isEqualTo(startup);
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNull();
        assertThat(channel.pipeline().get(FrameDecoder.NAME)).isInstanceOf(FrameDecoder.class);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void startupParametersKeepTheirOrderAndUtf8() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "bjørn");
        parameters.put("database", "données");
        parameters.put("application_name", "");
        parameters.put("options", "-c search_path=a,b");
        StartupMessage startup = new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);

        channel.writeInbound(encode(startup));

        StartupMessage decoded = channel.readInbound();
        assertThat(decoded).isEqualTo(startup);
        assertThat(decoded.parameters().keySet()).containsExactly("user", "database", "application_name", "options");
        assertThat(decoded.database()).isEqualTo("données");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesSslRequestAndStaysInStartupPhase() {
        channel.writeInbound(encode(SslRequest.INSTANCE));

        assertThat((Object) channel.readInbound()).isSameAs(SslRequest.INSTANCE);
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNotNull();
        assertThat(channel.pipeline().get(FrameDecoder.NAME)).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesGssEncRequest() {
        channel.writeInbound(encode(GssEncRequest.INSTANCE));

        assertThat((Object) channel.readInbound()).isSameAs(GssEncRequest.INSTANCE);
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNotNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesCancelRequest() {
        channel.writeInbound(encode(new CancelRequest(4242, -17)));

        assertThat((Object) channel.readInbound()).isEqualTo(new CancelRequest(4242, -17));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesPacketsFedOneByteAtATime() {
        StartupMessage startup = startup("alice", "app");
        ByteBuf all = Unpooled.buffer();
        SslRequest.INSTANCE.encode(all);
        GssEncRequest.INSTANCE.encode(all);
        startup.encode(all);
        new Query("SELECT 1").encode(all);
        Terminate.INSTANCE.encode(all);

        List<Object> decoded = feedByteByByte(all);

        assertThat(decoded).hasSize(5);
        assertThat(decoded.subList(0, 3)).containsExactly(SslRequest.INSTANCE, GssEncRequest.INSTANCE, startup);
        assertFrame(decoded.get(3), MessageTypes.QUERY, "SELECT 1");
        assertFrame(decoded.get(4), MessageTypes.TERMINATE, "");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesCancelRequestFedOneByteAtATime() {
        List<Object> decoded = feedByteByByte(encode(new CancelRequest(1, 2)));

        assertThat(decoded).containsExactly(new CancelRequest(1, 2));
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void dataSentWithAnSslRequestIsRefusedNotDecoded() {
        // Bytes that arrive with the SSLRequest were sent before any handshake: taking them as
        // part of the encrypted session is CVE-2021-23214. The request itself is not passed on,
        // so nobody answers 'S' to it.
        ByteBuf all = Unpooled.buffer();
        SslRequest.INSTANCE.encode(all);
        startup("bob", "bob").encode(all);

        assertThatThrownBy(() -> channel.writeInbound(all))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("received unencrypted data after SSL request");
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.writeInbound(encode(startup("bob", "bob")))).isFalse();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void dataSentWithAGssEncRequestIsRefused() {
        ByteBuf all = Unpooled.buffer();
        GssEncRequest.INSTANCE.encode(all);
        all.writeByte(0);

        assertThatThrownBy(() -> channel.writeInbound(all))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("received unencrypted data after GSSAPI encryption request");
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void requestsAnsweredOneAtATimeDecodeInTurn() {
        StartupMessage startup = startup("bob", "bob");

        channel.writeInbound(encode(SslRequest.INSTANCE));
        assertThat((Object) channel.readInbound()).isSameAs(SslRequest.INSTANCE);
        channel.writeInbound(encode(GssEncRequest.INSTANCE));
        assertThat((Object) channel.readInbound()).isSameAs(GssEncRequest.INSTANCE);
        channel.writeInbound(encode(startup));
        assertThat((Object) channel.readInbound()).isEqualTo(startup);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void framesAfterStartupMessageInTheSameReadGoToFrameDecoder() {
        StartupMessage startup = startup("alice", "app");
        ByteBuf all = Unpooled.buffer();
        startup.encode(all);
        new Query("SELECT 1").encode(all);
        new Query("SELECT 2").encode(all);
        // and half of a third frame: the frame decoder must wait for the rest
        ByteBuf third = encode(new Query("SELECT 3"));
        all.writeBytes(third, 7);

        channel.writeInbound(all);

        assertThat((Object) channel.readInbound()).isEqualTo(startup);
        assertFrame(channel.readInbound(), MessageTypes.QUERY, "SELECT 1");
        assertFrame(channel.readInbound(), MessageTypes.QUERY, "SELECT 2");
        assertThat((Object) channel.readInbound()).isNull();

        channel.writeInbound(third);

        assertFrame(channel.readInbound(), MessageTypes.QUERY, "SELECT 3");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void frameDecoderTakesOverTheConfiguredMaximum() {
        ByteBuf all = Unpooled.buffer();
        startup("alice", "app").encode(all);
        all.writeByte(MessageTypes.QUERY).writeInt(MAX_FRAME + 1);

        assertThatThrownBy(() -> channel.writeInbound(all)).isInstanceOf(DecoderException.class);
        assertThat((Object) channel.readInbound()).isInstanceOf(StartupMessage.class);
        assertThat(channel.finish()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 4, 7, 10_005, Integer.MAX_VALUE, 0x47455420 /* "GET " */})
    void badLengthClosesWithoutAWord(int length) {
        AtomicInteger errors = new AtomicInteger();
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new StartupDecoder(MAX_FRAME, errors::incrementAndGet));
        ByteBuf packet = Unpooled.buffer().writeInt(length).writeInt(StartupMessage.PROTOCOL_3_0).writeZero(8);

        // As PostgreSQL: a communication error, logged and closed, no ErrorResponse to anyone.
        assertThat(channel.writeInbound(packet)).isFalse();
        assertThat(channel.isOpen()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(errors).hasValue(1);
        assertThat(packet.refCnt()).isZero();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void packetCutByTheCloseIsCountedAndDecodesNothing() {
        AtomicInteger errors = new AtomicInteger();
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new StartupDecoder(MAX_FRAME, errors::incrementAndGet));
        ByteBuf startup = encode(startup("alice", "app"));
        channel.writeInbound(startup.readRetainedSlice(startup.readableBytes() / 2));
        startup.release();

        assertThat(channel.finish()).isFalse();
        assertThat(errors).hasValue(1);
    }

    @Test
    void closeBeforeAnyByteIsNoError() {
        AtomicInteger errors = new AtomicInteger();
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new StartupDecoder(MAX_FRAME, errors::incrementAndGet));

        assertThat(channel.finish()).isFalse();
        assertThat(errors).hasValue(0);
    }

    @Test
    void longestStartupPacketIsAccepted() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "alice");
        // 4 length + 4 version + "user\0alice\0" (11) + "application_name\0" (17) + value + \0 + final \0
        parameters.put("application_name", "x".repeat(StartupDecoder.MAX_STARTUP_LENGTH - 4 - 4 - 11 - 17 - 1 - 1));
        StartupMessage startup = new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);
        ByteBuf encoded = encode(startup);
        assertThat(encoded.readableBytes()).isEqualTo(StartupDecoder.MAX_STARTUP_LENGTH);

        channel.writeInbound(encoded);

        assertThat((Object) channel.readInbound()).isEqualTo(startup);
        assertThat(channel.finish()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {80877103, 80877104, 80877102})
    void wrongLengthOfSpecialRequestClosesWithoutAWord(int code) {
        ByteBuf packet = Unpooled.buffer().writeInt(12).writeInt(code).writeInt(0);

        assertThat(channel.writeInbound(packet)).isFalse();
        assertThat(channel.isOpen()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void unsupportedProtocolVersionIsAProtocolViolation() {
        ByteBuf packet = Unpooled.buffer().writeInt(9).writeInt(2 << 16).writeByte(0);

        assertThatThrownBy(() -> channel.writeInbound(packet))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("unsupported frontend protocol 2.0");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void unterminatedParametersAreAProtocolViolation() {
        ByteBuf packet = Unpooled.buffer();
        packet.writeInt(0).writeInt(StartupMessage.PROTOCOL_3_0);
        CStrings.write(packet, "user");
        CStrings.write(packet, "alice"); // no final NUL
        packet.setInt(0, packet.readableBytes());

        assertThatThrownBy(() -> channel.writeInbound(packet))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("not terminated");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void dataAfterTheTerminatorIsAProtocolViolation() {
        ByteBuf packet = encode(startup("alice", "app"));
        packet.writeByte('x');
        packet.setInt(0, packet.readableBytes());

        assertThatThrownBy(() -> channel.writeInbound(packet))
                .isInstanceOf(DecoderException.class)
                .hasMessageContaining("after the startup packet's terminator");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void truncatedInputYieldsNothing() {
        ByteBuf startup = encode(startup("alice", "app"));
        ByteBuf truncated = startup.readRetainedSlice(startup.readableBytes() - 1);
        startup.release();

        assertThat(channel.writeInbound(truncated)).isFalse();

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNotNull();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void partialLengthYieldsNothing() {
        assertThat(channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0}))).isFalse();

        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    private List<Object> feedByteByByte(ByteBuf all) {
        List<Object> decoded = new ArrayList<>();
        try {
            while (all.isReadable()) {
                channel.writeInbound(all.readRetainedSlice(1));
                for (Object msg; (msg = channel.readInbound()) != null; ) {
                    decoded.add(msg);
                }
            }
        } finally {
            all.release();
        }
        return decoded;
    }

    /** Checks a raw frame and releases it. */
    static void assertFrame(Object msg, byte type, String body) {
        assertThat(msg).isInstanceOf(ByteBuf.class);
        ByteBuf frame = (ByteBuf) msg;
        try {
            assertThat(Frames.type(frame)).isEqualTo(type);
            assertThat(frame.getInt(frame.readerIndex() + 1)).isEqualTo(frame.readableBytes() - 1);
            String payload = Frames.payload(frame).toString(StandardCharsets.UTF_8);
            assertThat(payload).isEqualTo(body.isEmpty() ? "" : body + "\0");
        } finally {
            frame.release();
        }
    }

    static StartupMessage startup(String user, String database) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        return new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);
    }

    static ByteBuf encode(PgMessage message) {
        ByteBuf buf = Unpooled.buffer();
        message.encode(buf);
        return buf;
    }
}
