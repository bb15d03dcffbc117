package io.pgwarden.pool.protocol;

import io.netty.handler.codec.DecoderException;

/** A peer broke the wire protocol; the connection it came from cannot continue. */
public final class ProtocolException extends DecoderException {

    public ProtocolException(String message) {
        super(message);
    }

    /**
     * Whether a decoder failure is the peer's bad input (answered with 08P01) and not a bug. Our
     * decoders signal bad input with a {@link DecoderException} of their own, without a cause
     * ({@link ProtocolException}, Netty's CorruptedFrameException and TooLongFrameException);
     * Netty wraps anything else a decoder throws (an IndexOutOfBoundsException, a
     * NullPointerException) in a plain DecoderException with that cause, and that is a bug in the
     * decoder, to be logged as an error. TLS record errors arrive wrapped too, and are the peer's.
     */
    public static boolean isPeerFault(DecoderException failure) {
        Throwable cause = failure.getCause();
        if (cause == null) {
            return true;
        }
        return cause instanceof DecoderException wrapped ? isPeerFault(wrapped) : cause instanceof javax.net.ssl.SSLException;
    }

    /** What a decoder failure says about the client's input: Netty wraps some causes without a message. */
    public static String detailOf(DecoderException failure) {
        return failure.getCause() != null && failure.getMessage() == null
                ? failure.getCause().getMessage() : failure.getMessage();
    }
}
