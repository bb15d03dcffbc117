package io.pgwarden.pool.protocol;

import io.netty.handler.codec.DecoderException;

/** A peer broke the wire protocol; the connection it came from cannot continue. */
public final class ProtocolException extends DecoderException {

    public ProtocolException(String message) {
        super(message);
    }
}
