package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.Objects;

/** Close ('C') of a prepared statement: what the pool sends to evict one from a server. */
public record Close(String statement) implements PgMessage {

    public Close {
        Objects.requireNonNull(statement, "statement");
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.CLOSE);
        out.writeByte(StatementNames.STATEMENT);
        CStrings.write(out, statement);
        Frames.endMessage(out, length);
    }
}
