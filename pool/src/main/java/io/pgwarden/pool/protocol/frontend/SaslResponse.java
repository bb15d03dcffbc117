package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** SASLResponse ('p'): a later SASL message from the client, here SCRAM's client-final. */
public record SaslResponse(String data) implements PgMessage {

    public SaslResponse {
        Objects.requireNonNull(data, "data");
    }

    public static SaslResponse decode(ByteBuf payload) {
        return new SaslResponse(payload.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.PASSWORD);
        out.writeCharSequence(data, StandardCharsets.UTF_8);
        Frames.endMessage(out, length);
    }
}
