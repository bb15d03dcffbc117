package io.pgwarden.router.hostile;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

/**
 * Ways to spoil a client message. "Well-framed" mutations keep the length field true to the bytes
 * sent, so the stream stays in step and only the content is wrong; framing mutations lie about
 * the length or cut the message short, after which the stream cannot be resynchronised.
 */
final class FrameMutations {

    /** What a framing mutation did, which decides what the router owes the client. */
    enum Framing {
        /** Length below 4 or above the limit: the router must answer 08P01 from the header alone. */
        BAD_LENGTH,
        /** Length plausible but not the bytes sent: the stream is out of step from here on. */
        OUT_OF_STEP
    }

    record Spoiled(byte[] bytes, String how) {
    }

    record Misframed(byte[] bytes, Framing framing, String how) {
    }

    private final Random random;

    FrameMutations(Random random) {
        this.random = random;
    }

    /** The frame with its content or its type spoiled and its length field still exact. */
    Spoiled wellFramed(Frame frame) {
        return random.nextInt(4) == 0 ? typeSpoiled(frame) : contentSpoiled(frame);
    }

    /**
     * The frame with its type byte replaced, or a random frame. Most such types are unknown to
     * PostgreSQL, which ends the connection (FATAL 08P01): one of these ends a batch.
     */
    Spoiled typeSpoiled(Frame frame) {
        return random.nextBoolean()
                ? new Spoiled(new Frame(randomType(), frame.body()).encode(), "type flipped")
                : new Spoiled(new Frame(randomType(), randomBytes(random.nextInt(48))).encode(), "random frame");
    }

    /** The frame with the same type and a spoiled body: PostgreSQL answers an ERROR and goes on. */
    Spoiled contentSpoiled(Frame frame) {
        byte[] body = frame.body();
        return switch (random.nextInt(6)) {
            case 0 -> new Spoiled(new Frame(frame.type(), randomBytes(random.nextInt(64))).encode(), "garbage body");
            case 1 -> new Spoiled(new Frame(frame.type(), flipBits(body)).encode(), "bits flipped in body");
            case 2 -> new Spoiled(new Frame(frame.type(), withoutNuls(body)).encode(), "NULs removed");
            case 3 -> new Spoiled(new Frame(frame.type(), concat(body, randomBytes(1 + random.nextInt(16)))).encode(),
                    "trailing garbage");
            case 4 -> new Spoiled(new Frame(frame.type(), Arrays.copyOf(body, body.length == 0 ? 0
                    : random.nextInt(body.length))).encode(), "body cut short, length adjusted");
            default -> new Spoiled(new Frame(frame.type(), withSmallInts(body)).encode(), "counts replaced");
        };
    }

    /** The frame with a length field that lies, or cut short; {@code maxLength} is the router's limit. */
    Misframed misframed(Frame frame, int maxLength) {
        byte[] exact = frame.encode();
        int actual = frame.body().length + 4;
        return switch (random.nextInt(6)) {
            case 0 -> {
                int[] below = {Integer.MIN_VALUE, -1, 0, 1, 2, 3, -random.nextInt(Integer.MAX_VALUE)};
                int length = below[random.nextInt(below.length)];
                yield new Misframed(frame.encode(length), Framing.BAD_LENGTH, "length " + length);
            }
            case 1 -> {
                int length = random.nextBoolean() ? Integer.MAX_VALUE
                        : maxLength + 1 + random.nextInt(Integer.MAX_VALUE - maxLength - 1);
                yield new Misframed(frame.encode(length), Framing.BAD_LENGTH, "length " + length);
            }
            case 2 -> {
                int cut = 1 + random.nextInt(exact.length - 1);
                yield new Misframed(Arrays.copyOf(exact, cut), Framing.OUT_OF_STEP, "cut after " + cut + " bytes");
            }
            case 3 -> {
                int length = 4 + random.nextInt(Math.max(1, actual - 4));
                yield new Misframed(frame.encode(length), Framing.OUT_OF_STEP, "length " + length + " short of " + actual);
            }
            case 4 -> {
                int length = actual + 1 + random.nextInt(Math.min(100_000, maxLength - actual - 2));
                yield new Misframed(frame.encode(length), Framing.OUT_OF_STEP, "length " + length + " beyond " + actual);
            }
            default -> {
                // Header only, claiming a big but allowed body that never comes.
                int length = maxLength - 1 - random.nextInt(1000);
                yield new Misframed(Arrays.copyOf(frame.encode(length), 5), Framing.OUT_OF_STEP, "header of " + length);
            }
        };
    }

    byte randomType() {
        // Mostly letters, where the real message types are, sometimes anything. Never 'F': PostgreSQL
        // answers a FunctionCall of a function OID that does not exist with XX000 ("cache lookup
        // failed"), and an XX000 fails the fuzz test.
        while (true) {
            byte type = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) ('A' + random.nextInt(58));
            if (type != 'F') {
                return type;
            }
        }
    }

    byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private byte[] flipBits(byte[] body) {
        byte[] copy = body.clone();
        for (int i = 0, n = 1 + random.nextInt(3); i < n && copy.length > 0; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    private static byte[] withoutNuls(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : body) {
            if (b != 0) {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** Overwrites a 16- or 32-bit field with an extreme count (-1, 0, 0x7FFF, 0xFFFF...). */
    private byte[] withSmallInts(byte[] body) {
        byte[] copy = body.clone();
        if (copy.length < 2) {
            return copy;
        }
        int at = random.nextInt(copy.length - 1);
        int[] values = {0xFFFF, 0x7FFF, 0x8000, 0, 1, 0xFFFE};
        int value = values[random.nextInt(values.length)];
        copy[at] = (byte) (value >>> 8);
        copy[at + 1] = (byte) value;
        if (at + 3 < copy.length && random.nextBoolean()) {
            copy[at + 2] = (byte) 0xFF;
            copy[at + 3] = (byte) 0xFF;
        }
        return copy;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
