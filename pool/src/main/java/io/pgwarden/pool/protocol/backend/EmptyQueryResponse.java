package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.PgMessage;

/** EmptyQueryResponse ('I'): the answer to a query string holding no statement. */
public final class EmptyQueryResponse implements PgMessage {

    public static final EmptyQueryResponse INSTANCE = new EmptyQueryResponse();
    public static final byte TYPE = 'I';

    private EmptyQueryResponse() {
    }

    @Override
    public void encode(ByteBuf out) {
        Frames.endMessage(out, Frames.beginMessage(out, TYPE));
    }
}
