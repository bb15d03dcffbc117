package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.ProtocolException;

import java.util.Arrays;
import java.util.Objects;

/** Parse ('P'): prepare {@code query} as statement {@code name} ("" is the unnamed statement). */
public record Parse(String name, String query, int[] parameterTypes) implements PgMessage {

    public Parse {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(query, "query");
        parameterTypes = parameterTypes.clone();
    }

    public static Parse decode(ByteBuf payload) {
        String name = CStrings.read(payload);
        String query = CStrings.read(payload);
        if (payload.readableBytes() < 2) {
            throw new ProtocolException("Parse message is truncated");
        }
        int count = payload.readUnsignedShort();
        if (payload.readableBytes() != count * 4) {
            throw new ProtocolException("Parse message has a bad parameter type count");
        }
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = payload.readInt();
        }
        return new Parse(name, query, types);
    }

    @Override
    public int[] parameterTypes() {
        return parameterTypes.clone();
    }

    /** The same statement under another name. */
    public Parse withName(String newName) {
        return new Parse(newName, query, parameterTypes);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.PARSE);
        CStrings.write(out, name);
        CStrings.write(out, query);
        out.writeShort(parameterTypes.length);
        for (int type : parameterTypes) {
            out.writeInt(type);
        }
        Frames.endMessage(out, length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parse p && p.name.equals(name) && p.query.equals(query)
                && Arrays.equals(p.parameterTypes, parameterTypes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, query, Arrays.hashCode(parameterTypes));
    }

    @Override
    public String toString() {
        return "Parse[name=" + name + ", query=" + query + ", types=" + Arrays.toString(parameterTypes) + "]";
    }
}
