package io.pgwarden.pool.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;

import java.util.Objects;

/** PasswordMessage: a cleartext or md5 password response ('p'). */
public record PasswordMessage(String password) implements PgMessage {

    public PasswordMessage {
        Objects.requireNonNull(password, "password");
    }

    public static PasswordMessage decode(ByteBuf payload) {
        return new PasswordMessage(CStrings.read(payload));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Frames.beginMessage(out, MessageTypes.PASSWORD);
        CStrings.write(out, password);
        Frames.endMessage(out, length);
    }

    @Override
    public String toString() {
        return "PasswordMessage[***]";
    }
}
