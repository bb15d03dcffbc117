package io.pgwarden.pool.protocol.codec;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Splits the regular-phase stream into whole frames: type byte, int32 length (which counts
 * itself), payload. A length below 4 or above the configured maximum fails before anything is
 * allocated (fail fast), so one bad peer cannot make us buffer a gigabyte.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    public static final String NAME = "frames";

    public FrameDecoder(int maxFrameLength) {
        // length field at offset 1, 4 bytes; it counts itself but not the type byte.
        super(maxFrameLength, 1, 4, -4, 0, true);
    }
}
