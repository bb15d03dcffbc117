package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

/** ReadyForQuery ('Z'): the server is idle; the byte tells the transaction state. */
public record ReadyForQuery(TransactionStatus status) implements PgMessage {

    public static final ReadyForQuery IDLE = new ReadyForQuery(TransactionStatus.IDLE);

    public static ReadyForQuery decode(ByteBuf payload) {
        return new ReadyForQuery(TransactionStatus.of(payload.readByte()));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.READY_FOR_QUERY);
        out.writeByte(status.code());
        Frames.endMessage(out, length);
    }
}
