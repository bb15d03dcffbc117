package io.pgwarden.pool.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationCleartextPassword;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationMd5Password;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationOk;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationSasl;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationSaslContinue;
import io.pgwarden.pool.protocol.backend.Authentication.AuthenticationSaslFinal;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.ReadyForQuery;
import io.pgwarden.pool.protocol.backend.TransactionStatus;
import io.pgwarden.pool.protocol.frontend.PasswordMessage;
import io.pgwarden.pool.protocol.frontend.SaslInitialResponse;
import io.pgwarden.pool.protocol.frontend.SaslResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every message pgwarden decodes: encoded, framed by {@link FrameDecoder} as it would arrive
 * from the wire, and decoded back to an equal message. Encoding always starts at a non-zero
 * writer index, as it does when several messages share one buffer.
 */
class MessageRoundTripTest {

    @Test
    void errorResponse() {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put('S', "FATAL");
        fields.put('V', "FATAL");
        fields.put('C', "28P01");
        fields.put('M', "password authentication failed for user \"ünïcødé\"");
        fields.put('F', "auth.c");
        fields.put('L', "330");
        ErrorResponse error = new ErrorResponse(fields);

        ErrorResponse decoded = roundTrip(error, MessageTypes.ERROR_RESPONSE, ErrorResponse::decode);

        assertThat(decoded).isEqualTo(error);
        assertThat(decoded.fields().keySet()).containsExactly('S', 'V', 'C', 'M', 'F', 'L');
        assertThat(decoded.sqlState()).isEqualTo("28P01");
        assertThat(decoded.isFatal()).isTrue();
    }

    @Test
    void errorResponseOfPgwardenItself() {
        ErrorResponse error = ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "invalid message from client");

        ErrorResponse decoded = roundTrip(error, MessageTypes.ERROR_RESPONSE, ErrorResponse::decode);

        assertThat(decoded).isEqualTo(error);
        assertThat(decoded.severity()).isEqualTo("FATAL");
        assertThat(decoded.sqlState()).isEqualTo("08P01");
        assertThat(decoded.message()).isEqualTo("invalid message from client");
    }

    @Test
    void parameterStatus() {
        ParameterStatus status = new ParameterStatus("application_name", "");
        assertThat(roundTrip(status, MessageTypes.PARAMETER_STATUS, ParameterStatus::decode)).isEqualTo(status);

        ParameterStatus timeZone = new ParameterStatus("TimeZone", "Europe/Zürich");
        assertThat(roundTrip(timeZone, MessageTypes.PARAMETER_STATUS, ParameterStatus::decode)).isEqualTo(timeZone);
    }

    @Test
    void backendKeyData() {
        BackendKeyData key = new BackendKeyData(Integer.MAX_VALUE, Integer.MIN_VALUE);

        assertThat(roundTrip(key, MessageTypes.BACKEND_KEY_DATA, BackendKeyData::decode)).isEqualTo(key);
    }

    @Test
    void backendKeyDataOfWrongSizeIsRefused() {
        ByteBuf payload = Unpooled.buffer().writeInt(1);
        try {
            assertThatThrownBy(() -> BackendKeyData.decode(payload)).isInstanceOf(ProtocolException.class);
        } finally {
            payload.release();
        }
    }

    @ParameterizedTest
    @EnumSource(TransactionStatus.class)
    void readyForQuery(TransactionStatus status) {
        ReadyForQuery ready = new ReadyForQuery(status);

        assertThat(roundTrip(ready, MessageTypes.READY_FOR_QUERY, ReadyForQuery::decode)).isEqualTo(ready);
    }

    @Test
    void readyForQueryWithUnknownStatusIsRefused() {
        ByteBuf payload = Unpooled.buffer().writeByte('X');
        try {
            assertThatThrownBy(() -> ReadyForQuery.decode(payload)).isInstanceOf(ProtocolException.class);
        } finally {
            payload.release();
        }
    }

    @Test
    void authenticationWithoutBody() {
        assertThat(roundTrip(AuthenticationOk.INSTANCE, MessageTypes.AUTHENTICATION, Authentication::decode))
                .isEqualTo(AuthenticationOk.INSTANCE);
        assertThat(roundTrip(AuthenticationCleartextPassword.INSTANCE, MessageTypes.AUTHENTICATION, Authentication::decode))
                .isEqualTo(AuthenticationCleartextPassword.INSTANCE);
    }

    @Test
    void authenticationMd5Password() {
        byte[] salt = {(byte) 0xde, (byte) 0xad, 0, 0x7f};

        Authentication decoded = roundTrip(new AuthenticationMd5Password(salt), MessageTypes.AUTHENTICATION,
                Authentication::decode);

        assertThat(decoded).isInstanceOfSatisfying(AuthenticationMd5Password.class,
                md5 -> assertThat(md5.salt()).containsExactly(salt));
    }

    @Test
    void authenticationSasl() {
        AuthenticationSasl sasl = new AuthenticationSasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"));

        assertThat(roundTrip(sasl, MessageTypes.AUTHENTICATION, Authentication::decode)).isEqualTo(sasl);
    }

    @Test
    void authenticationSaslContinueAndFinal() {
        AuthenticationSaslContinue serverFirst = new AuthenticationSaslContinue(
                "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
        AuthenticationSaslFinal serverFinal = new AuthenticationSaslFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

        assertThat(roundTrip(serverFirst, MessageTypes.AUTHENTICATION, Authentication::decode)).isEqualTo(serverFirst);
        assertThat(roundTrip(serverFinal, MessageTypes.AUTHENTICATION, Authentication::decode)).isEqualTo(serverFinal);
    }

    @Test
    void authenticationWithUnknownCodeIsRefused() {
        ByteBuf payload = Unpooled.buffer().writeInt(7); // GSS: not supported
        try {
            assertThatThrownBy(() -> Authentication.decode(payload)).isInstanceOf(ProtocolException.class);
        } finally {
            payload.release();
        }
    }

    @Test
    void saslInitialResponse() {
        SaslInitialResponse initial = new SaslInitialResponse("SCRAM-SHA-256", "n,,n=,r=rOprNGfwEbeRWgbNEkqO");

        assertThat(roundTrip(initial, MessageTypes.PASSWORD, SaslInitialResponse::decode)).isEqualTo(initial);
    }

    @Test
    void saslInitialResponseWithEmptyData() {
        SaslInitialResponse initial = new SaslInitialResponse("SCRAM-SHA-256", "");

        assertThat(roundTrip(initial, MessageTypes.PASSWORD, SaslInitialResponse::decode)).isEqualTo(initial);
    }

    @Test
    void saslInitialResponseWithWrongDataLengthIsRefused() {
        ByteBuf payload = Unpooled.buffer();
        payload.writeBytes("SCRAM-SHA-256\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        payload.writeInt(10).writeBytes(new byte[] {'n', ','});
        try {
            assertThatThrownBy(() -> SaslInitialResponse.decode(payload)).isInstanceOf(ProtocolException.class);
        } finally {
            payload.release();
        }
    }

    @Test
    void saslResponseAndPasswordMessage() {
        SaslResponse response = new SaslResponse("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        PasswordMessage password = new PasswordMessage("md5c4ca4238a0b923820dcc509a6f75849b");

        assertThat(roundTrip(response, MessageTypes.PASSWORD, SaslResponse::decode)).isEqualTo(response);
        assertThat(roundTrip(password, MessageTypes.PASSWORD, PasswordMessage::decode)).isEqualTo(password);
    }

    @Test
    void messagesEncodedBackToBackDecodeInOrder() {
        ByteBuf all = Unpooled.buffer();
        AuthenticationOk.INSTANCE.encode(all);
        new ParameterStatus("server_version", "15.8").encode(all);
        new BackendKeyData(1, 2).encode(all);
        ReadyForQuery.IDLE.encode(all);

        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        channel.writeInbound(all);

        assertThat(decodeNext(channel, MessageTypes.AUTHENTICATION, Authentication::decode)).isEqualTo(AuthenticationOk.INSTANCE);
        assertThat(decodeNext(channel, MessageTypes.PARAMETER_STATUS, ParameterStatus::decode))
                .isEqualTo(new ParameterStatus("server_version", "15.8"));
        assertThat(decodeNext(channel, MessageTypes.BACKEND_KEY_DATA, BackendKeyData::decode)).isEqualTo(new BackendKeyData(1, 2));
        assertThat(decodeNext(channel, MessageTypes.READY_FOR_QUERY, ReadyForQuery::decode)).isEqualTo(ReadyForQuery.IDLE);
        assertThat(channel.finish()).isFalse();
    }

    /**
     * Encodes after a few bytes of something else, checks the length field, frames with
     * {@link FrameDecoder} and decodes the payload.
     */
    private static <T> T roundTrip(PgMessage message, byte type, Function<ByteBuf, T> decoder) {
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7});
        int start = buf.writerIndex();
        message.encode(buf);
        assertThat(buf.getByte(start)).isEqualTo(type);
        assertThat(buf.getInt(start + 1)).as("length field").isEqualTo(buf.writerIndex() - start - 1);
        buf.readerIndex(start);

        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(16 * 1024));
        channel.writeInbound(buf);
        T decoded = decodeNext(channel, type, decoder);
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
        return decoded;
    }

    private static <T> T decodeNext(EmbeddedChannel channel, byte type, Function<ByteBuf, T> decoder) {
        ByteBuf frame = channel.readInbound();
        assertThat(frame).isNotNull();
        try {
            assertThat(Frames.type(frame)).isEqualTo(type);
            return decoder.apply(Frames.payload(frame));
        } finally {
            frame.release();
        }
    }
}
