package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.Objects;

/** CommandComplete ('C'): a command finished; the tag is what psql prints for commands without rows. */
public record CommandComplete(String tag) implements PgMessage {

    public CommandComplete {
        Objects.requireNonNull(tag, "tag");
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.COMMAND_COMPLETE);
        CStrings.write(out, tag);
        Frames.endMessage(out, length);
    }
}
