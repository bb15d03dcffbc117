package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

/** Sync ('S'): ends an extended-protocol batch; the server answers with ReadyForQuery. */
public record Sync() implements PgMessage {

    public static final Sync INSTANCE = new Sync();

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(MessageTypes.SYNC);
        out.writeInt(4);
    }
}
