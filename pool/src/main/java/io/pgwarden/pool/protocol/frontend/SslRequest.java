package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** SSLRequest: the client asks for TLS before its StartupMessage. */
public record SslRequest() implements StartupPacket {

    public static final SslRequest INSTANCE = new SslRequest();

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(8);
        out.writeInt(SSL_REQUEST_CODE);
    }
}
