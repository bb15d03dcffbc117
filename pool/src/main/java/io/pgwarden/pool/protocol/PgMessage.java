package io.pgwarden.pool.protocol;

import io.netty.buffer.ByteBuf;

/** A message pgwarden writes itself (frames it forwards travel as plain ByteBufs). */
public interface PgMessage {

    /** Writes the whole message, type byte and length included. */
    void encode(ByteBuf out);
}
