package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.Objects;

/** Query: a simple-protocol query string. */
public record Query(String sql) implements PgMessage {

    public Query {
        Objects.requireNonNull(sql, "sql");
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.QUERY);
        CStrings.write(out, sql);
        Frames.endMessage(out, length);
    }
}
