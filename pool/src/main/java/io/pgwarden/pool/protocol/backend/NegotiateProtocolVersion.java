package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.List;

/** NegotiateProtocolVersion ('v'): tells a newer client which minor version and options we speak. */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) implements PgMessage {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt(newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        unrecognizedOptions.forEach(option -> CStrings.write(out, option));
        Frames.endMessage(out, length);
    }
}
