package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.ProtocolException;

/** BackendKeyData ('K'): the (pid, secret) a client needs to cancel its queries. */
public record BackendKeyData(int processId, int secretKey) implements PgMessage {

    public static BackendKeyData decode(ByteBuf payload) {
        if (payload.readableBytes() != 8) {
            throw new ProtocolException("BackendKeyData must carry 8 bytes, got " + payload.readableBytes());
        }
        return new BackendKeyData(payload.readInt(), payload.readInt());
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.BACKEND_KEY_DATA);
        out.writeInt(processId);
        out.writeInt(secretKey);
        Frames.endMessage(out, length);
    }
}
