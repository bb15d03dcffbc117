package io.pgwarden.router.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Untyped startup-phase packets, valid and spoiled: StartupMessages with odd parameters and
 * protocol versions, SSLRequest, GSSENCRequest and CancelRequest with wrong lengths, lying
 * length words, cut packets and noise. {@link #expectation} says what the router owes each one,
 * by the rules of the startup phase.
 */
final class StartupPackets {

    static final int SSL_REQUEST_CODE = 80877103;
    static final int GSSENC_REQUEST_CODE = 80877104;
    static final int CANCEL_REQUEST_CODE = 80877102;
    static final int PROTOCOL_3_0 = 196608;
    /** PostgreSQL's (and the router's) bound on a startup packet, after its length word. */
    static final int MAX_STARTUP_LENGTH = 10_000;
    /** The largest length word PostgreSQL accepts: the bound plus the word itself. */
    static final int MAX_LENGTH_WORD = MAX_STARTUP_LENGTH + 4;

    enum Expectation {
        /** The one-byte answer 'N' (no TLS / no GSSAPI encryption), then the next packet is awaited. */
        NO_ENCRYPTION,
        /** A bad length word (or a special request of the wrong length): closed without an ErrorResponse. */
        CLOSED_SILENTLY,
        /** The packet is whole: the router answers (an error, an authentication request, a login) or closes. */
        ANSWER,
        /** The packet is not whole yet: nothing is owed until the client says more or goes away. */
        INCOMPLETE
    }

    /** What was done to a packet, for counting. */
    enum Kind {
        /** Framed and filled as a client would (odd but legal parameters included). */
        VALID,
        /** Framed right, contents spoiled. */
        MUTATED,
        /** A length word that lies, a cut packet, noise, another protocol. */
        MALFORMED
    }

    record Packet(byte[] bytes, Kind kind, String how) {
    }

    private final Random random;
    private final String[] users;

    /** @param users user names to put in StartupMessages, good and bad */
    StartupPackets(Random random, String... users) {
        this.random = random;
        this.users = users;
    }

    static byte[] sslRequest() {
        return request(8, SSL_REQUEST_CODE);
    }

    static byte[] gssEncRequest() {
        return request(8, GSSENC_REQUEST_CODE);
    }

    static byte[] startupMessage(int version, Map<String, String> parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parameters.forEach((name, value) -> {
            body.writeBytes(cstring(name));
            body.writeBytes(cstring(value));
        });
        body.write(0);
        return packet(version, body.toByteArray());
    }

    /** What the router owes a client that sent exactly these bytes as its first packet. */
    static Expectation expectation(byte[] bytes) {
        if (bytes.length < 4) {
            return Expectation.INCOMPLETE;
        }
        int length = intAt(bytes, 0);
        if (length < 8 || length > MAX_LENGTH_WORD) {
            return Expectation.CLOSED_SILENTLY;
        }
        if (bytes.length < length) {
            return Expectation.INCOMPLETE;
        }
        int code = intAt(bytes, 4);
        if (code == SSL_REQUEST_CODE || code == GSSENC_REQUEST_CODE) {
            return length == 8 ? Expectation.NO_ENCRYPTION : Expectation.CLOSED_SILENTLY;
        }
        if (code == CANCEL_REQUEST_CODE && length != 16) {
            return Expectation.CLOSED_SILENTLY;
        }
        return Expectation.ANSWER;
    }

    Packet next() {
        return switch (random.nextInt(10)) {
            case 0, 1, 2 -> oddStartupMessage();
            case 3 -> {
                int[] codes = {SSL_REQUEST_CODE, GSSENC_REQUEST_CODE, CANCEL_REQUEST_CODE};
                int code = codes[random.nextInt(codes.length)];
                int length = 8 + 4 * random.nextInt(5);
                byte[] body = new byte[length - 8];
                random.nextBytes(body);
                boolean rightLength = length == (code == CANCEL_REQUEST_CODE ? 16 : 8);
                yield new Packet(FrameMutations.concat(request(length, code), body),
                        rightLength ? Kind.VALID : Kind.MALFORMED, "request " + code + " of length " + length);
            }
            case 4 -> {
                byte[] valid = startupMessage(PROTOCOL_3_0, parameters());
                int[] lengths = {0, 4, 7, -1, Integer.MIN_VALUE, MAX_LENGTH_WORD + 1, Integer.MAX_VALUE,
                        random.nextInt(), 8 + random.nextInt(valid.length), valid.length + 1 + random.nextInt(100)};
                int length = lengths[random.nextInt(lengths.length)];
                Frame.putInt(valid, 0, length);
                yield new Packet(valid, Kind.MALFORMED, "StartupMessage with length word " + length);
            }
            case 5 -> {
                byte[] valid = startupMessage(PROTOCOL_3_0, parameters());
                int cut = random.nextInt(valid.length);
                yield new Packet(Arrays.copyOf(valid, cut), Kind.MALFORMED, "StartupMessage cut after " + cut + " bytes");
            }
            case 6 -> {
                byte[] noise = new byte[random.nextInt(64)];
                random.nextBytes(noise);
                yield new Packet(noise, Kind.MALFORMED, "noise");
            }
            case 7 -> {
                byte[] valid = startupMessage(PROTOCOL_3_0, parameters());
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                    int at = 8 + random.nextInt(valid.length - 8);
                    valid[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield new Packet(valid, Kind.MUTATED, "StartupMessage with bits flipped");
            }
            case 8 -> {
                String[] texts = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
                        "SSH-2.0-OpenSSH_9.0\r\n", "\r\n\r\n\r\n\r\n\r\n"};
                yield new Packet(texts[random.nextInt(texts.length)].getBytes(StandardCharsets.ISO_8859_1), Kind.MALFORMED,
                        "another protocol");
            }
            default -> {
                byte[] valid = startupMessage(PROTOCOL_3_0, parameters());
                // The final terminator missing, or garbage after it.
                byte[] spoiled = random.nextBoolean() ? Arrays.copyOf(valid, valid.length - 1)
                        : FrameMutations.concat(valid, new byte[] {'x', 0});
                Frame.putInt(spoiled, 0, spoiled.length);
                yield new Packet(spoiled, Kind.MUTATED, "StartupMessage with a bad terminator");
            }
        };
    }

    private Packet oddStartupMessage() {
        int[] versions = {PROTOCOL_3_0, PROTOCOL_3_0, PROTOCOL_3_0, PROTOCOL_3_0 + 1, PROTOCOL_3_0 + 99,
                2 << 16, 4 << 16, random.nextInt()};
        int version = versions[random.nextInt(versions.length)];
        return new Packet(startupMessage(version, parameters()), version == PROTOCOL_3_0 ? Kind.VALID : Kind.MUTATED,
                "StartupMessage version " + (version >>> 16) + "." + (version & 0xFFFF));
    }

    /** Startup parameters, sometimes odd: unknown, empty, long, invalid UTF-8, replication, _pq_. */
    Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (random.nextInt(10) != 0) {
            parameters.put("user", users[random.nextInt(users.length)]);
        }
        if (random.nextInt(4) != 0) {
            parameters.put("database", random.nextInt(6) == 0 ? "no_such_db" : "postgres");
        }
        for (int i = 0, n = random.nextInt(4); i < n; i++) {
            switch (random.nextInt(10)) {
                case 0 -> parameters.put("application_name", "x".repeat(random.nextInt(300)));
                case 1 -> parameters.put("client_encoding", random.nextBoolean() ? "UTF8" : "NO_SUCH_ENCODING");
                case 2 -> parameters.put("replication", random.nextBoolean() ? "true" : "database");
                case 3 -> parameters.put("_pq_.fuzz", "on");
                case 4 -> parameters.put("options", random.nextBoolean() ? "-c work_mem=64MB" : "-c \u0001broken");
                case 5 -> parameters.put("DateStyle", random.nextBoolean() ? "ISO, MDY" : "bogus");
                case 6 -> parameters.put("", "empty name");
                case 7 -> parameters.put(new String(new byte[] {(byte) 0xC3, (byte) 0x28}, StandardCharsets.ISO_8859_1), "bad utf8");
                case 8 -> parameters.put("search_path", "public, \"odd\"");
                default -> parameters.put("fuzz_" + random.nextInt(100), Integer.toString(random.nextInt()));
            }
        }
        return parameters;
    }

    private static byte[] request(int length, int code) {
        byte[] out = new byte[8];
        Frame.putInt(out, 0, length);
        Frame.putInt(out, 4, code);
        return out;
    }

    private static byte[] packet(int code, byte[] body) {
        byte[] out = new byte[8 + body.length];
        Frame.putInt(out, 0, out.length);
        Frame.putInt(out, 4, code);
        System.arraycopy(body, 0, out, 8, body.length);
        return out;
    }

    private static byte[] cstring(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)
                ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        return FrameMutations.concat(bytes, new byte[1]);
    }

    static int intAt(byte[] bytes, int at) {
        return ((bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
    }
}
