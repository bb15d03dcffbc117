package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

/** Terminate: a polite goodbye before closing the socket. */
public record Terminate() implements PgMessage {

    public static final Terminate INSTANCE = new Terminate();

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(MessageTypes.TERMINATE);
        out.writeInt(4);
    }
}
