package io.pgwarden.pool.protocol;

import io.netty.handler.codec.DecoderException;

/** A peer broke the wire protocol; the connection it came from cannot continue. */
public final class ProtocolException extends DecoderException {

    public ProtocolException(String message) {
        super(message);
    }

    /** What a decoder failure says about the client's input: Netty wraps some causes without a message. */
    public static String detailOf(DecoderException failure) {
        return failure.getCause() != null && failure.getMessage() == null
                ? failure.getCause().getMessage() : failure.getMessage();
    }
}
