package io.pgwarden.router.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A regular-phase message as a client sends it: type byte, then a body whose length is added on the wire. */
record Frame(byte type, byte[] body) {

    static Frame of(char type, byte[] body) {
        return new Frame((byte) type, body);
    }

    static Frame empty(char type) {
        return of(type, new byte[0]);
    }

    /** The wire form with the length field the body calls for. */
    byte[] encode() {
        return encode(body.length + 4);
    }

    /** The wire form with the given length field, whatever the body is. */
    byte[] encode(int lengthField) {
        byte[] out = new byte[5 + body.length];
        out[0] = type;
        putInt(out, 1, lengthField);
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }

    static void putInt(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }

    /** Builds message bodies field by field. */
    static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Body cstring(String value) {
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            return this;
        }

        Body int16(int value) {
            out.write(value >>> 8);
            out.write(value);
            return this;
        }

        Body int32(int value) {
            out.write(value >>> 24);
            out.write(value >>> 16);
            out.write(value >>> 8);
            out.write(value);
            return this;
        }

        Body bytes(byte[] value) {
            out.writeBytes(value);
            return this;
        }

        Body byte1(char value) {
            out.write(value);
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
