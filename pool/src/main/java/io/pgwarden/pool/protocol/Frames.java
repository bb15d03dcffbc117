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

    /** The frame at {@code index} of a buffer holding whole frames: its type byte. */
    public static byte typeAt(ByteBuf frames, int index) {
        return frames.getByte(index);
    }

    /** Where the frame after the one at {@code index} starts. */
    public static int next(ByteBuf frames, int index) {
        return index + 1 + frames.getInt(index + 1);
    }

    /** The index of the first frame of type {@code type} in a buffer of whole frames, or -1. */
    public static int indexOf(ByteBuf frames, byte type) {
        for (int index = frames.readerIndex(), end = frames.writerIndex(); index < end; index = next(frames, index)) {
            if (frames.getByte(index) == type) {
                return index;
            }
        }
        return -1;
    }

    /** The payload of the frame at {@code index}, up to {@code next}, as a view sharing its memory. */
    public static ByteBuf payloadAt(ByteBuf frames, int index, int next) {
        return frames.slice(index + HEADER_LENGTH, next - index - HEADER_LENGTH);
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
