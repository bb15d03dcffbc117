package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** StartupMessage: protocol version and the connection's parameters (user, database, GUCs). */
public record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {

    public static final int PROTOCOL_3_0 = 196608;

    public StartupMessage {
        Objects.requireNonNull(parameters, "parameters");
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public int majorVersion() {
        return protocolVersion >>> 16;
    }

    public int minorVersion() {
        return protocolVersion & 0xFFFF;
    }

    public String user() {
        return parameters.get("user");
    }

    /** PostgreSQL's rule: the database defaults to the user name. */
    public String database() {
        String database = parameters.get("database");
        return database == null || database.isEmpty() ? user() : database;
    }

    @Override
    public void encode(ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeInt(protocolVersion);
        parameters.forEach((name, value) -> {
            CStrings.write(out, name);
            CStrings.write(out, value);
        });
        out.writeByte(0);
        out.setInt(start, out.writerIndex() - start);
    }
}
