package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;

/**
 * Reads and rewrites the prepared-statement name inside Bind, Describe and Close frames, the
 * only messages besides Parse that name a statement. Everything else in the frame is copied
 * as is, so parameters and formats stay byte-exact.
 */
public final class StatementNames {

    /** Describe and Close target a statement ('S') or a portal ('P'). */
    public static final byte STATEMENT = 'S';

    private StatementNames() {
    }

    /**
     * Whether the Parse, Bind, Describe or Close frame at {@code index} (ending at {@code next}) of a
     * buffer of frames names a prepared statement, read in place. A frame too short to tell counts
     * as naming one, so that the full decoding reports what is wrong with it.
     */
    public static boolean namesStatement(ByteBuf frames, int index, int next) {
        int payload = index + Frames.HEADER_LENGTH;
        int name;
        switch (frames.getByte(index)) {
            case MessageTypes.PARSE -> name = payload;
            case MessageTypes.BIND -> {
                int portalEnd = frames.indexOf(payload, next, (byte) 0);
                if (portalEnd < 0) {
                    return true;
                }
                name = portalEnd + 1;
            }
            case MessageTypes.DESCRIBE, MessageTypes.CLOSE -> {
                if (next - payload < 2) {
                    return true;
                }
                if (frames.getByte(payload) != STATEMENT) {
                    return false;
                }
                name = payload + 1;
            }
            default -> {
                return false;
            }
        }
        return name >= next || frames.getByte(name) != 0;
    }

    /** The statement a Bind frame uses. */
    public static String ofBind(ByteBuf frame) {
        ByteBuf payload = Frames.payload(frame);
        CStrings.read(payload); // portal
        return CStrings.read(payload);
    }

    /** The target kind ('S' or 'P') of a Describe or Close frame. */
    public static byte targetKind(ByteBuf frame) {
        if (frame.readableBytes() < Frames.HEADER_LENGTH + 2) {
            throw new ProtocolException("Describe/Close message is truncated");
        }
        return frame.getByte(frame.readerIndex() + Frames.HEADER_LENGTH);
    }

    /** The name a Describe or Close frame targets. */
    public static String ofTarget(ByteBuf frame) {
        ByteBuf payload = Frames.payload(frame);
        payload.skipBytes(1);
        return CStrings.read(payload);
    }

    /** A new Bind frame using {@code statement}; the old frame is left untouched. */
    public static ByteBuf rewriteBind(ByteBufAllocator alloc, ByteBuf frame, String statement) {
        ByteBuf payload = Frames.payload(frame);
        String portal = CStrings.read(payload);
        CStrings.read(payload);
        ByteBuf out = alloc.buffer(frame.readableBytes() + statement.length() + 8);
        int length = Frames.beginMessage(out, MessageTypes.BIND);
        CStrings.write(out, portal);
        CStrings.write(out, statement);
        out.writeBytes(payload);
        Frames.endMessage(out, length);
        return out;
    }

    /** A new Describe or Close frame targeting statement {@code statement}. */
    public static ByteBuf rewriteTarget(ByteBufAllocator alloc, ByteBuf frame, String statement) {
        ByteBuf out = alloc.buffer(statement.length() + 12);
        int length = Frames.beginMessage(out, Frames.type(frame));
        out.writeByte(STATEMENT);
        CStrings.write(out, statement);
        Frames.endMessage(out, length);
        return out;
    }
}
