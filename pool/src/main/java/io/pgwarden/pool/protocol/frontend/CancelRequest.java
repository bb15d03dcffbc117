package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** CancelRequest: sent on a fresh connection, naming the backend by its (pid, secret) key. */
public record CancelRequest(int processId, int secretKey) implements StartupPacket {

    @Override
    public void encode(ByteBuf out) {
        out.writeInt(16);
        out.writeInt(CANCEL_REQUEST_CODE);
        out.writeInt(processId);
        out.writeInt(secretKey);
    }
}
