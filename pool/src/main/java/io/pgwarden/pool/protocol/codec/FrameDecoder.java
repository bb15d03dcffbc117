package io.pgwarden.pool.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Splits the regular-phase stream into whole frames: type byte, int32 length (which counts
 * itself), payload. A length below 4 or above the configured maximum fails before anything is
 * allocated (fail fast), so one bad peer cannot make us buffer a gigabyte. After such a failure
 * the stream cannot be resynchronised: everything that follows is discarded, not decoded.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    public static final String NAME = "frames";

    private boolean failed;

    public FrameDecoder(int maxFrameLength) {
        // length field at offset 1, 4 bytes; it counts itself but not the type byte.
        super(maxFrameLength, 1, 4, -4, 0, true);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        try {
            return super.decode(ctx, in);
        } catch (DecoderException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
