package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** GSSENCRequest: libpq asks for GSSAPI encryption first; pgwarden always answers 'N'. */
public record GssEncRequest() implements StartupPacket {

    public static final GssEncRequest INSTANCE = new GssEncRequest();

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(GSSENC_REQUEST_CODE);
    }
}
