package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.ProtocolException;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** SASLInitialResponse ('p'): the chosen mechanism and the client-first message. */
public record SaslInitialResponse(String mechanism, String data) implements PgMessage {

    public SaslInitialResponse {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(data, "data");
    }

    public static SaslInitialResponse decode(ByteBuf payload) {
        String mechanism = CStrings.read(payload);
        if (payload.readableBytes() < 4) {
            throw new ProtocolException("SASLInitialResponse is truncated");
        }
        int length = payload.readInt();
        if (length < 0 || length != payload.readableBytes()) {
            throw new ProtocolException("SASLInitialResponse has a bad data length");
        }
        return new SaslInitialResponse(mechanism, payload.readCharSequence(length, StandardCharsets.UTF_8).toString());
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.PASSWORD);
        CStrings.write(out, mechanism);
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.writeBytes(bytes);
        Frames.endMessage(out, length);
    }
}
