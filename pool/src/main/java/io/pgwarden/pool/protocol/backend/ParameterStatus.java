package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.Objects;

/** ParameterStatus ('S'): the server reports the current value of a GUC_REPORT setting. */
public record ParameterStatus(String name, String value) implements PgMessage {

    public ParameterStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    public static ParameterStatus decode(ByteBuf payload) {
        return new ParameterStatus(CStrings.read(payload), CStrings.read(payload));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.PARAMETER_STATUS);
        CStrings.write(out, name);
        CStrings.write(out, value);
        Frames.endMessage(out, length);
    }
}
