package io.pgwarden.pool.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.pgwarden.pool.protocol.Frames;

import java.util.List;

/**
 * Splits the regular-phase stream into whole frames: type byte, int32 length (which counts
 * itself), payload. A length below 4 or above the configured maximum fails as soon as the header
 * is seen, before anything is buffered (fail fast), so one bad peer cannot make us hold a gigabyte.
 * After such a failure the stream cannot be resynchronised: everything that follows is discarded.
 *
 * <p>In run mode ({@link #emitRuns()}) it passes on every complete frame of a read as one buffer
 * (a run), which the pass-through path forwards with one write instead of one per frame; the
 * reader walks the frames inside with {@link Frames#next}. Frames are never copied.
 *
 * <p>A client's decoder starts with a lower limit for the login exchange (password and SASL
 * messages are small), raised by {@link #loginCompleted()}: a client that has not proven who it
 * is cannot make the router buffer a whole {@code max_message_size}.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    public static final String NAME = "frames";

    /** PostgreSQL's own bound for an authentication message's length word (PG_MAX_AUTH_TOKEN_LENGTH). */
    public static final int MAX_LOGIN_FRAME_LENGTH = 65_535;

    private final int maxFrameLength;
    /** The largest length word accepted now. */
    private int maxLengthWord;
    private boolean runs;
    private boolean failed;

    public FrameDecoder(int maxFrameLength) {
        this(maxFrameLength, Integer.MAX_VALUE);
    }

    /**
     * @param maxFrameLength the largest frame, type byte included
     * @param loginLimit     the largest length word until {@link #loginCompleted()}
     */
    public FrameDecoder(int maxFrameLength, int loginLimit) {
        this.maxFrameLength = maxFrameLength;
        this.maxLengthWord = Math.min(loginLimit, maxFrameLength - 1);
    }

    /** From now on, passes on all complete frames of a read as one buffer. */
    public void emitRuns() {
        runs = true;
    }

    /** From now on frames up to the full maximum are accepted. */
    public void loginCompleted() {
        maxLengthWord = maxFrameLength - 1;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        int end = in.writerIndex();
        int index = start;
        while (end - index >= Frames.HEADER_LENGTH) {
            int length = in.getInt(index + 1);
            if (length < 4 || length > maxLengthWord) {
                if (index > start) {
                    break; // the good frames before it go on first; the next call fails
                }
                failed = true;
                in.skipBytes(in.readableBytes());
                throw length < 4
                        ? new CorruptedFrameException("invalid message length " + length + " (less than 4)")
                        : new TooLongFrameException("message of " + (length + 1L) + " bytes exceeds the limit of "
                                + (maxLengthWord + 1L) + " bytes");
            }
            if (end - index - 1 < length) {
                break;
            }
            index += 1 + length;
            if (!runs) {
                break;
            }
        }
        if (index > start) {
            out.add(in.readRetainedSlice(index - start));
        }
    }
}
