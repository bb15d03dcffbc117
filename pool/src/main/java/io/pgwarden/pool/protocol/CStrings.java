package io.pgwarden.pool.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** NUL-terminated UTF-8 strings, the protocol's only string form. */
public final class CStrings {

    private CStrings() {
    }

    /** Reads up to the next NUL and skips it; a missing NUL is a protocol violation. */
    public static String read(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException("string is not NUL-terminated");
        }
        String value = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return value;
    }

    public static void write(ByteBuf buf, String value) {
        buf.writeCharSequence(value, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }
}
