package io.pgwarden.router.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Batches of regular-phase messages for a logged-in client, written in one go: valid messages of
 * every kind a client sends (simple and extended query, COPY, function calls, Close, Flush, Sync),
 * some spoiled in place, and now and then a last message whose framing is broken.
 *
 * <p>A batch whose framing holds ends with Sync and a marker query, {@code ROLLBACK; SELECT n}:
 * whatever the spoiled messages did, PostgreSQL is back in a known state after the Sync and the
 * ROLLBACK, so the marker's row tells the client that the router has answered the whole batch.
 */
final class SessionBatches {

    private static final String[] STATEMENTS = {"", "", "s1", "s2", "s3"};

    /**
     * @param frames       messages written, the spoiled and misframed ones included
     * @param marker       the value of the marker row, or null when the framing is broken
     * @param spoiled      how messages were spoiled, empty for a clean batch
     * @param framing      what the last message's framing mutation was, or null
     */
    record Batch(byte[] bytes, int frames, String marker, List<String> spoiled, FrameMutations.Framing framing) {
        boolean clean() {
            return spoiled.isEmpty() && framing == null;
        }
    }

    private final Random random;
    private final FrameMutations mutations;
    private final int maxLength;
    private final int functionOid;

    /**
     * @param maxLength   the router's max_message_size
     * @param functionOid a harmless one-argument function for FunctionCall (int4abs)
     */
    SessionBatches(Random random, int maxLength, int functionOid) {
        this.random = random;
        this.mutations = new FrameMutations(random);
        this.maxLength = maxLength;
        this.functionOid = functionOid;
    }

    Batch next(long markerValue, double spoilRate, double misframeRate) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> spoiled = new ArrayList<>();
        int frames = 0;
        for (int unit = 0, units = random.nextInt(48); unit < units; unit++) {
            List<Frame> messages = new ArrayList<>();
            boolean copy = randomUnit(messages);
            for (Frame message : messages) {
                // Inside COPY only the data rows are spoiled: a lost CopyDone would leave the copy open.
                boolean mutable = !copy || message.type() == 'd';
                if (mutable && random.nextDouble() < spoilRate) {
                    FrameMutations.Spoiled bad = copy ? new FrameMutations.Spoiled(
                            Frame.of('d', mutations.randomBytes(random.nextInt(40))).encode(), "garbage copy row")
                            : mutations.wellFramed(message);
                    spoiled.add((char) message.type() + ": " + bad.how());
                    out.writeBytes(bad.bytes());
                } else {
                    out.writeBytes(message.encode());
                }
                frames++;
            }
        }
        if (random.nextDouble() < misframeRate) {
            List<Frame> messages = new ArrayList<>();
            randomUnit(messages);
            Frame victim = messages.get(random.nextInt(messages.size()));
            FrameMutations.Misframed bad = mutations.misframed(victim, maxLength);
            out.writeBytes(bad.bytes());
            spoiled.add((char) victim.type() + ": " + bad.how());
            return new Batch(out.toByteArray(), frames + 1, null, spoiled, bad.framing());
        }
        out.writeBytes(Frame.empty('S').encode());
        String marker = Long.toString(markerValue);
        out.writeBytes(query("ROLLBACK; SELECT " + marker).encode());
        return new Batch(out.toByteArray(), frames + 2, marker, spoiled, null);
    }

    /** Adds one unit of valid messages; returns true for a COPY, whose messages belong together. */
    private boolean randomUnit(List<Frame> messages) {
        String statement = STATEMENTS[random.nextInt(STATEMENTS.length)];
        switch (random.nextInt(14)) {
            case 0 -> messages.add(query("SELECT 1"));
            case 1 -> messages.add(query("SELECT '" + word() + "' AS w, " + random.nextInt(1000)));
            case 2 -> {
                messages.add(parse(statement, "SELECT $1::int + 1", 23));
                messages.add(bind("", statement, Integer.toString(random.nextInt(1000))));
                messages.add(target('D', 'P', ""));
                messages.add(execute("", 0));
                messages.add(Frame.empty('S'));
            }
            case 3 -> {
                messages.add(parse("", "SELECT generate_series(1, 3)"));
                messages.add(bind("", ""));
                messages.add(execute("", random.nextInt(3)));
            }
            case 4 -> messages.add(target('C', random.nextBoolean() ? 'S' : 'P', statement));
            case 5 -> messages.add(target('D', 'S', statement));
            case 6 -> messages.add(Frame.empty('H'));
            case 7 -> messages.add(Frame.empty('S'));
            case 8 -> {
                messages.add(query("COPY fuzz_copy FROM STDIN"));
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                    messages.add(Frame.of('d', (word() + "\n").getBytes(StandardCharsets.UTF_8)));
                }
                messages.add(Frame.empty('c'));
                return true;
            }
            case 9 -> messages.add(random.nextBoolean() ? Frame.of('d', "stray\n".getBytes(StandardCharsets.UTF_8))
                    : random.nextBoolean() ? Frame.empty('c') : Frame.of('f', new Frame.Body().cstring("no copy").toBytes()));
            case 10 -> messages.add(Frame.of('F', new Frame.Body().int32(functionOid).int16(1).int16(0)
                    .int16(1).int32(2).bytes("-7".getBytes(StandardCharsets.US_ASCII)).int16(0).toBytes()));
            case 11 -> messages.add(query(random.nextBoolean() ? "BEGIN" : "COMMIT"));
            case 12 -> messages.add(parse(statement, "SELEC broken " + word()));
            default -> {
                messages.add(parse(statement, "SELECT $1::text", 25));
                messages.add(bind("p1", statement, word()));
                messages.add(execute("p1", 0));
                messages.add(target('C', 'P', "p1"));
            }
        }
        return false;
    }

    private String word() {
        char[] chars = new char[1 + random.nextInt(8)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(chars);
    }

    static Frame query(String sql) {
        return Frame.of('Q', new Frame.Body().cstring(sql).toBytes());
    }

    private static Frame parse(String name, String sql, int... types) {
        Frame.Body body = new Frame.Body().cstring(name).cstring(sql).int16(types.length);
        for (int type : types) {
            body.int32(type);
        }
        return Frame.of('P', body.toBytes());
    }

    private static Frame bind(String portal, String statement, String... parameters) {
        Frame.Body body = new Frame.Body().cstring(portal).cstring(statement).int16(0).int16(parameters.length);
        for (String parameter : parameters) {
            byte[] bytes = parameter.getBytes(StandardCharsets.UTF_8);
            body.int32(bytes.length).bytes(bytes);
        }
        return Frame.of('B', body.int16(0).toBytes());
    }

    private static Frame execute(String portal, int rows) {
        return Frame.of('E', new Frame.Body().cstring(portal).int32(rows).toBytes());
    }

    private static Frame target(char type, char kind, String name) {
        return Frame.of(type, new Frame.Body().byte1(kind).cstring(name).toBytes());
    }
}
