package io.pgwarden.router.transaction;

import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.pool.auth.ScramClientSession;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A blocking client that speaks the extended query protocol message by message, for what no
 * driver lets a test choose: its own statement names, a Close followed by a Parse of the same
 * name, Describe of a statement on its own. Messages are buffered until {@link #sync()} or
 * {@link #flush()}; {@link #readUntilReady()} returns every reply up to the next ReadyForQuery.
 */
final class WireClient implements AutoCloseable {

    private static final int PROTOCOL_3_0 = 196608;
    private static final int READ_TIMEOUT_MILLIS = 20_000;

    /** One backend message: its type byte and payload. */
    record Reply(char type, byte[] payload) {

        /** The SQLSTATE of an ErrorResponse ('E'). */
        String sqlState() {
            return errorField('C');
        }

        String errorMessage() {
            return errorField('M');
        }

        private String errorField(char code) {
            ByteBuffer buf = ByteBuffer.wrap(payload);
            while (buf.hasRemaining()) {
                char field = (char) buf.get();
                if (field == 0) {
                    break;
                }
                String value = cstring(buf);
                if (field == code) {
                    return value;
                }
            }
            return null;
        }

        /** The columns of a DataRow ('D') as text; null for SQL NULL. */
        List<String> columns() {
            ByteBuffer buf = ByteBuffer.wrap(payload);
            int count = buf.getShort();
            List<String> columns = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int length = buf.getInt();
                if (length < 0) {
                    columns.add(null);
                } else {
                    byte[] value = new byte[length];
                    buf.get(value);
                    columns.add(new String(value, StandardCharsets.UTF_8));
                }
            }
            return columns;
        }

        /** The parameter type OIDs of a ParameterDescription ('t'). */
        List<Integer> parameterTypes() {
            ByteBuffer buf = ByteBuffer.wrap(payload);
            int count = buf.getShort();
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                types.add(buf.getInt());
            }
            return types;
        }

        /** Name and type OID of each field of a RowDescription ('T'), as "name:oid". */
        List<String> fields() {
            ByteBuffer buf = ByteBuffer.wrap(payload);
            int count = buf.getShort();
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = cstring(buf);
                buf.getInt(); // table oid
                buf.getShort(); // column number
                int type = buf.getInt();
                buf.getShort(); // type size
                buf.getInt(); // type modifier
                buf.getShort(); // format
                fields.add(name + ":" + type);
            }
            return fields;
        }

        /** The tag of a CommandComplete ('C'). */
        String commandTag() {
            return cstring(ByteBuffer.wrap(payload));
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and logs in with SCRAM-SHA-256; returns once the first ReadyForQuery arrived. */
    static WireClient connect(int port, String user, String password, String database) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            WireClient client = new WireClient(socket);
            client.login(user, password, database);
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void login(String user, String password, String database) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeInt(body, PROTOCOL_3_0);
        for (var parameter : Map.of("user", user, "database", database).entrySet()) {
            writeCString(body, parameter.getKey());
            writeCString(body, parameter.getValue());
        }
        body.write(0);
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        writeInt(startup, body.size() + 4);
        body.writeTo(startup);
        out.write(startup.toByteArray());
        out.flush();

        ScramClientSession scram = ScramClientSession.withPassword(password);
        while (true) {
            Reply reply = read();
            switch (reply.type()) {
                case 'R' -> {
                    ByteBuffer buf = ByteBuffer.wrap(reply.payload());
                    int code = buf.getInt();
                    try {
                        switch (code) {
                            case 0 -> {
                            }
                            case 10 -> {
                                ByteArrayOutputStream initial = new ByteArrayOutputStream();
                                writeCString(initial, "SCRAM-SHA-256");
                                byte[] first = scram.clientFirstMessage().getBytes(StandardCharsets.UTF_8);
                                writeInt(initial, first.length);
                                initial.write(first);
                                message('p', initial.toByteArray());
                                flush();
                            }
                            case 11 -> {
                                String clientFinal = scram.handleServerFirst(rest(buf));
                                message('p', clientFinal.getBytes(StandardCharsets.UTF_8));
                                flush();
                            }
                            case 12 -> scram.verifyServerFinal(rest(buf));
                            default -> throw new IOException("unsupported authentication request " + code);
                        }
                    } catch (AuthenticationFailedException e) {
                        throw new IOException("SCRAM exchange failed: " + e.getMessage(), e);
                    }
                }
                case 'E' -> throw new IOException("login failed: " + reply.sqlState() + " " + reply.errorMessage());
                case 'Z' -> {
                    return;
                }
                default -> {
                    // ParameterStatus, BackendKeyData
                }
            }
        }
    }

    void parse(String statement, String sql, int... parameterTypes) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, statement);
        writeCString(body, sql);
        writeShort(body, parameterTypes.length);
        for (int type : parameterTypes) {
            writeInt(body, type);
        }
        message('P', body.toByteArray());
    }

    /** Bind with text parameters (null for SQL NULL) and text results. */
    void bind(String portal, String statement, String... parameters) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, portal);
        writeCString(body, statement);
        writeShort(body, 0);
        writeShort(body, parameters.length);
        for (String parameter : parameters) {
            if (parameter == null) {
                writeInt(body, -1);
            } else {
                byte[] bytes = parameter.getBytes(StandardCharsets.UTF_8);
                writeInt(body, bytes.length);
                body.write(bytes);
            }
        }
        writeShort(body, 0);
        message('B', body.toByteArray());
    }

    void describeStatement(String statement) throws IOException {
        target('D', 'S', statement);
    }

    void describePortal(String portal) throws IOException {
        target('D', 'P', portal);
    }

    void closeStatement(String statement) throws IOException {
        target('C', 'S', statement);
    }

    void execute(String portal) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, portal);
        writeInt(body, 0);
        message('E', body.toByteArray());
    }

    void query(String sql) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeCString(body, sql);
        message('Q', body.toByteArray());
        flush();
    }

    void sync() throws IOException {
        message('S', new byte[0]);
        flush();
    }

    /** Sends what is buffered. A Flush message is not sent; use {@link #flushMessage()} for that. */
    void flush() throws IOException {
        pending.writeTo(out);
        pending.reset();
        out.flush();
    }

    void flushMessage() throws IOException {
        message('H', new byte[0]);
        flush();
    }

    /** Every reply up to and including the next ReadyForQuery. */
    List<Reply> readUntilReady() throws IOException {
        List<Reply> replies = new ArrayList<>();
        Reply reply;
        do {
            reply = read();
            if (reply.type() != 'N' && reply.type() != 'S') {
                replies.add(reply);
            }
        } while (reply.type() != 'Z');
        return replies;
    }

    /** Reads {@code count} replies, skipping notices and parameter statuses. */
    List<Reply> read(int count) throws IOException {
        List<Reply> replies = new ArrayList<>();
        while (replies.size() < count) {
            Reply reply = read();
            if (reply.type() != 'N' && reply.type() != 'S') {
                replies.add(reply);
            }
        }
        return replies;
    }

    private Reply read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] payload = new byte[length - 4];
        in.readFully(payload);
        return new Reply(type, payload);
    }

    private void target(char type, char kind, String name) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(kind);
        writeCString(body, name);
        message(type, body.toByteArray());
    }

    private void message(char type, byte[] body) throws IOException {
        pending.write(type);
        writeInt(pending, body.length + 4);
        pending.write(body);
    }

    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                message('X', new byte[0]);
                flush();
            }
        } catch (IOException e) {
            // Going away anyway.
        } finally {
            socket.close();
        }
    }

    private static String rest(ByteBuffer buf) {
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String cstring(ByteBuffer buf) {
        int start = buf.position();
        int end = start;
        while (buf.get(end) != 0) {
            end++;
        }
        String value = new String(buf.array(), start, end - start, StandardCharsets.UTF_8);
        buf.position(end + 1);
        return value;
    }

    private static void writeCString(ByteArrayOutputStream out, String value) {
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }
}
