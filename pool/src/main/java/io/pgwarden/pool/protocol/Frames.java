package io.pgwarden.pool.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Helpers for regular-phase frames as they travel through pgwarden: a ByteBuf holding the
 * type byte, the int32 length and the payload, exactly as on the wire.
 */
public final class Frames {

    public static final int HEADER_LENGTH = 5;

    private Frames() {
    }

    public static byte type(ByteBuf frame) {
        return frame.getByte(frame.readerIndex());
    }

    /** A read-only view of the payload, positioned after the header; shares the frame's memory. */
    public static ByteBuf payload(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + HEADER_LENGTH, frame.readableBytes() - HEADER_LENGTH);
    }

    /** Writes the header with a length placeholder; returns the index to hand to {@link #endMessage}. */
    public static int beginMessage(ByteBuf out, byte type) {
        out.writeByte(type);
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    public static void endMessage(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }
}
