package io.pgwarden.router.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Batches of regular-phase messages for a logged-in client, written in one go: valid messages of
 * every kind a client sends (simple and extended query, COPY, function calls, Close, Flush, Sync),
 * many spoiled in place, and now and then a last message that ends the stream.
 *
 * <p>Spoils inside a batch keep each message's type and framing, so the router and PostgreSQL
 * go on reading the stream (PostgreSQL answers an ERROR, or skips to the next Sync). What may end
 * the connection comes only last, so every message before it is read: a message whose framing
 * lies (malformed), a message of another type (PostgreSQL ends the connection on a type it does
 * not know), and in transaction mode a spoiled message the router decodes itself (Parse, Bind,
 * Describe, Close, Query).
 *
 * <p>A batch may carry a storm: an Execute of a portal that does not exist, which puts
 * PostgreSQL in its skip-to-Sync state after an error, then thousands of spoiled extended-protocol
 * messages. PostgreSQL reads and drops each of them, so they cost it little, while the router
 * frames, inspects and forwards every one as it does any other message; that is how a run sends
 * a million hostile messages in well under a minute.
 *
 * <p>A batch whose framing holds ends with Sync and a marker query, {@code ROLLBACK; SELECT n}:
 * whatever the spoiled messages did, PostgreSQL is back in a known state after the Sync and the
 * ROLLBACK, so the marker's row tells the client that the router has answered the whole batch.
 * FunctionCall is never spoiled: PostgreSQL answers a call of a function OID that does not exist
 * with XX000, and an XX000 fails the fuzz test.
 */
final class SessionBatches {

    private static final String[] STATEMENTS = {"", "", "s1", "s2", "s3"};
    /** Messages the router decodes in transaction mode: a spoiled one may end the connection there. */
    private static final String DECODED_IN_TRANSACTION_MODE = "PBDCQ";

    /** Messages of a batch by what was done to them. */
    record Counts(int valid, int mutated, int malformed) {
        int total() {
            return valid + mutated + malformed;
        }

        int hostile() {
            return mutated + malformed;
        }
    }

    /**
     * @param counts   messages written, by kind
     * @param marker   the value of the marker row, or null when the framing is broken
     * @param spoiled  how messages were spoiled, empty for a clean batch
     * @param framing  what the last message's framing mutation was, or null
     * @param mayClose whether the batch ends with a message that may end the connection
     * @param storm    spoiled messages in the batch's storm
     */
    record Batch(byte[] bytes, Counts counts, String marker, List<String> spoiled, FrameMutations.Framing framing,
                 boolean mayClose, int storm) {
        boolean clean() {
            return spoiled.isEmpty() && framing == null;
        }
    }

    private final Random random;
    private final FrameMutations mutations;
    private final int maxLength;
    private final int functionOid;
    private final int maxUnits;

    /**
     * @param maxLength   the router's max_message_size
     * @param functionOid a harmless one-argument function for FunctionCall (int4abs)
     * @param maxUnits    units of messages in a batch, at most (a unit is one to six messages)
     */
    SessionBatches(Random random, int maxLength, int functionOid, int maxUnits) {
        this.random = random;
        this.mutations = new FrameMutations(random);
        this.maxLength = maxLength;
        this.functionOid = functionOid;
        this.maxUnits = maxUnits;
    }

    /**
     * @param spoilRate    the share of messages spoiled in place
     * @param lastRate     how often the batch ends with a message that may end the connection
     * @param transaction  whether the client is in transaction mode
     * @param storm        spoiled messages in the batch's storm (0 for none)
     */
    Batch next(long markerValue, double spoilRate, double lastRate, boolean transaction, int storm) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> spoiled = new ArrayList<>();
        int valid = 0;
        int mutated = 0;
        for (int unit = 0, units = random.nextInt(maxUnits); unit < units; unit++) {
            List<Frame> messages = new ArrayList<>();
            boolean copy = randomUnit(messages);
            for (Frame message : messages) {
                // Inside COPY only the data rows are spoiled: a lost CopyDone would leave the copy open.
                boolean mutable = copy ? message.type() == 'd' : inStreamMutable(message, transaction);
                if (mutable && random.nextDouble() < spoilRate) {
                    FrameMutations.Spoiled bad = copy ? new FrameMutations.Spoiled(
                            Frame.of('d', mutations.randomBytes(random.nextInt(40))).encode(), "garbage copy row")
                            : mutations.contentSpoiled(message);
                    if (spoiled.size() < 20) {
                        spoiled.add((char) message.type() + ": " + bad.how());
                    }
                    out.writeBytes(bad.bytes());
                    mutated++;
                } else {
                    out.writeBytes(message.encode());
                    valid++;
                }
            }
        }
        if (storm > 0) {
            out.writeBytes(execute("no_such_portal", 0).encode());
            valid++;
            String types = transaction ? "EH" : "PBEDCH";
            for (int i = 0; i < storm; i++) {
                char type = types.charAt(random.nextInt(types.length()));
                out.writeBytes(mutations.contentSpoiled(template(type)).bytes());
            }
            mutated += storm;
            spoiled.add("storm of " + storm);
        }
        boolean mayClose = false;
        if (random.nextDouble() < lastRate) {
            Frame victim = lastVictim();
            if (random.nextBoolean()) {
                FrameMutations.Misframed bad = mutations.misframed(victim, maxLength);
                out.writeBytes(bad.bytes());
                spoiled.add((char) victim.type() + ": " + bad.how());
                return new Batch(out.toByteArray(), new Counts(valid, mutated, 1), null, spoiled, bad.framing(), true, storm);
            }
            FrameMutations.Spoiled bad = transaction && DECODED_IN_TRANSACTION_MODE.indexOf(victim.type()) >= 0
                    && random.nextBoolean() ? mutations.contentSpoiled(victim) : mutations.typeSpoiled(victim);
            out.writeBytes(bad.bytes());
            spoiled.add("last, " + (char) victim.type() + ": " + bad.how());
            mutated++;
            mayClose = true;
        }
        out.writeBytes(Frame.empty('S').encode());
        String marker = Long.toString(markerValue);
        out.writeBytes(query("ROLLBACK; SELECT " + marker).encode());
        return new Batch(out.toByteArray(), new Counts(valid + 2, mutated, 0), marker, spoiled, null, mayClose, storm);
    }

    /** A valid extended-protocol message of this type, to spoil. */
    private Frame template(char type) {
        String statement = STATEMENTS[random.nextInt(STATEMENTS.length)];
        return switch (type) {
            case 'P' -> parse(statement, "SELECT $1::int + " + random.nextInt(100));
            case 'B' -> bind("", statement, Integer.toString(random.nextInt(1000)));
            case 'E' -> execute("", random.nextInt(3));
            case 'D' -> target('D', random.nextBoolean() ? 'S' : 'P', statement);
            case 'C' -> target('C', random.nextBoolean() ? 'S' : 'P', statement);
            default -> Frame.empty('H');
        };
    }

    private static boolean inStreamMutable(Frame message, boolean transaction) {
        if (message.type() == 'F') {
            return false;
        }
        return !transaction || DECODED_IN_TRANSACTION_MODE.indexOf(message.type()) < 0;
    }

    /** A message of a random unit, outside COPY and never a FunctionCall. */
    private Frame lastVictim() {
        for (int i = 0; i < 100; i++) {
            List<Frame> messages = new ArrayList<>();
            if (!randomUnit(messages)) {
                Frame victim = messages.get(random.nextInt(messages.size()));
                if (victim.type() != 'F') {
                    return victim;
                }
            }
        }
        return query("SELECT 1");
    }

    /** Adds one unit of valid messages; returns true for a COPY, whose messages belong together. */
    private boolean randomUnit(List<Frame> messages) {
        String statement = STATEMENTS[random.nextInt(STATEMENTS.length)];
        switch (random.nextInt(14)) {
            case 0 -> messages.add(query("SELECT 1"));
            case 1 -> messages.add(query("SELECT '" + word() + "' AS w, " + random.nextInt(1000)));
            case 2 -> {
                messages.add(parse(statement, "SELECT $1::int + 1"));
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
                messages.add(parse(statement, "SELECT $1::text"));
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

    /**
     * The units name no parameter types (PostgreSQL infers them): a spoiled type OID would be
     * answered with XX000 "cache lookup failed for type", which fails the fuzz test.
     */
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
