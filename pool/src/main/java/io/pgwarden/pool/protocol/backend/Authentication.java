package io.pgwarden.pool.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.ProtocolException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The Authentication* family ('R'), told apart by the int32 code after the length. */
public sealed interface Authentication extends PgMessage {

    int OK = 0;
    int CLEARTEXT_PASSWORD = 3;
    int MD5_PASSWORD = 5;
    int SASL = 10;
    int SASL_CONTINUE = 11;
    int SASL_FINAL = 12;

    /** Decodes the payload of an 'R' frame. */
    static Authentication decode(ByteBuf payload) {
        if (payload.readableBytes() < 4) {
            throw new ProtocolException("Authentication message is truncated");
        }
        int code = payload.readInt();
        return switch (code) {
            case OK -> AuthenticationOk.INSTANCE;
            case CLEARTEXT_PASSWORD -> AuthenticationCleartextPassword.INSTANCE;
            case MD5_PASSWORD -> {
                if (payload.readableBytes() != 4) {
                    throw new ProtocolException("AuthenticationMD5Password needs a 4-byte salt");
                }
                byte[] salt = new byte[4];
                payload.readBytes(salt);
                yield new AuthenticationMd5Password(salt);
            }
            case SASL -> {
                List<String> mechanisms = new ArrayList<>();
                while (payload.isReadable() && payload.getByte(payload.readerIndex()) != 0) {
                    mechanisms.add(CStrings.read(payload));
                }
                yield new AuthenticationSasl(mechanisms);
            }
            case SASL_CONTINUE -> new AuthenticationSaslContinue(payload.toString(StandardCharsets.UTF_8));
            case SASL_FINAL -> new AuthenticationSaslFinal(payload.toString(StandardCharsets.UTF_8));
            default -> throw new ProtocolException("unsupported authentication request code " + code);
        };
    }

    private static void write(ByteBuf out, int code, byte[] body) {
        int length = Frames.beginMessage(out, MessageTypes.AUTHENTICATION);
        out.writeInt(code);
        out.writeBytes(body);
        Frames.endMessage(out, length);
    }

    record AuthenticationOk() implements Authentication {
        public static final AuthenticationOk INSTANCE = new AuthenticationOk();

        @Override
        public void encode(ByteBuf out) {
            write(out, OK, new byte[0]);
        }
    }

    record AuthenticationCleartextPassword() implements Authentication {
        public static final AuthenticationCleartextPassword INSTANCE = new AuthenticationCleartextPassword();

        @Override
        public void encode(ByteBuf out) {
            write(out, CLEARTEXT_PASSWORD, new byte[0]);
        }
    }

    record AuthenticationMd5Password(byte[] salt) implements Authentication {
        public AuthenticationMd5Password {
            if (salt.length != 4) {
                throw new IllegalArgumentException("md5 salt must be 4 bytes");
            }
            salt = salt.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        @Override
        public void encode(ByteBuf out) {
            write(out, MD5_PASSWORD, salt);
        }
    }

    record AuthenticationSasl(List<String> mechanisms) implements Authentication {
        public AuthenticationSasl {
            mechanisms = List.copyOf(mechanisms);
        }

        @Override
        public void encode(ByteBuf out) {
            int length = Frames.beginMessage(out, MessageTypes.AUTHENTICATION);
            out.writeInt(SASL);
            mechanisms.forEach(m -> CStrings.write(out, m));
            out.writeByte(0);
            Frames.endMessage(out, length);
        }
    }

    record AuthenticationSaslContinue(String data) implements Authentication {
        public AuthenticationSaslContinue {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public void encode(ByteBuf out) {
            write(out, SASL_CONTINUE, data.getBytes(StandardCharsets.UTF_8));
        }
    }

    record AuthenticationSaslFinal(String data) implements Authentication {
        public AuthenticationSaslFinal {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public void encode(ByteBuf out) {
            write(out, SASL_FINAL, data.getBytes(StandardCharsets.UTF_8));
        }
    }
}
