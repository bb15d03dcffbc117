package io.pgwarden.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.router.config.DataSize;
import io.pgwarden.router.config.RouterConfig;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that break the wire protocol get a FATAL 08P01 and are closed, one by one, while a
 * well-behaved JDBC client runs transactions through the same router without a single error.
 *
 * <p>The good client starts before the first test and runs at least {@value #GOOD_TRANSACTIONS}
 * transactions, and on until every bad client has had its turn; the last test checks its tally.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MalformedFrameIT {

    private static final int MAX_MESSAGE = 64 * 1024;
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(2);
    /** A user the router trusts, so that a raw socket can log in without a SCRAM exchange. */
    private static final String RAW_USER = "raw";
    private static final String RAW_PASSWORD = "raw-pw";

    private static final int GOOD_TRANSACTIONS = 300;
    private static final int GOOD_TRANSACTIONS_CAP = 50_000;

    private static RouterFixture fixture;
    private static ExecutorService goodClientThread;
    private static Future<Integer> goodClient;
    private static volatile boolean badClientsDone;
    private static final List<Throwable> goodClientErrors = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        fixture = RouterFixture.start(0, cfg -> new RouterConfig(cfg.listen(), cfg.topology(),
                new RouterConfig.Auth(withUser(cfg.auth().file(), RAW_USER, RAW_PASSWORD), List.of(
                        new RouterConfig.HbaEntry("all", RAW_USER, "all", "trust"),
                        new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                cfg.pool(),
                new RouterConfig.Limits(null, null, new DataSize(MAX_MESSAGE), AUTH_TIMEOUT),
                cfg.routing(), cfg.server()));
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            s.execute("create role " + RAW_USER + " login password '" + RAW_PASSWORD + "'");
            s.execute("create table good_client (id int primary key)");
        }
        goodClientThread = Executors.newSingleThreadExecutor();
        goodClient = goodClientThread.submit(MalformedFrameIT::runGoodClient);
        // Let it log in and get going before the first bad client arrives.
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.router().clientCount() == 1);
    }

    @AfterAll
    static void stop() {
        badClientsDone = true;
        if (goodClientThread != null) {
            goodClientThread.shutdownNow();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The auth file is read when the router starts, so the raw user goes in before that. */
    private static Path withUser(Path userList, String user, String password) {
        try {
            Files.writeString(userList, "\"" + user + "\" \"" + password + "\"\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return userList;
    }

    /** Small insert+select transactions; returns how many committed. */
    private static int runGoodClient() {
        int committed = 0;
        try (Connection c = fixture.connect(fixture.primaryPort());
             PreparedStatement insert = c.prepareStatement("insert into good_client values (?)");
             PreparedStatement count = c.prepareStatement("select count(*) from good_client")) {
            c.setAutoCommit(false);
            while (committed < GOOD_TRANSACTIONS_CAP && (committed < GOOD_TRANSACTIONS || !badClientsDone)) {
                insert.setInt(1, committed);
                insert.executeUpdate();
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(committed + 1);
                }
                c.commit();
                committed++;
                Thread.sleep(1);
            }
        } catch (Exception | AssertionError e) {
            goodClientErrors.add(e);
        }
        return committed;
    }

    // ---- before login --------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 7, -1, 10_005, Integer.MAX_VALUE})
    @Order(1)
    @Timeout(20)
    void garbageStartupLength(int length) throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.send(Unpooled.buffer().writeInt(length).writeInt(StartupMessage.PROTOCOL_3_0).writeZero(8));

            // As PostgreSQL ("invalid length of startup packet", logged, not sent): closed without a word.
            assertThat(client.readToEnd()).as("messages").isEmpty();
        }
        awaitOnlyTheGoodClient();
    }

    @Test
    @Order(1)
    @Timeout(20)
    void httpRequestInsteadOfStartup() throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.send(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", StandardCharsets.US_ASCII));

            assertThat(client.readToEnd()).as("messages").isEmpty();
        }
        awaitOnlyTheGoodClient();
    }

    @Test
    @Order(1)
    @Timeout(20)
    void truncatedStartupThenClose() throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            ByteBuf startup = startup(RAW_USER);
            client.send(startup.readRetainedSlice(startup.readableBytes() / 2));
            startup.release();
            client.socket.shutdownOutput();

            // As with PostgreSQL ("incomplete startup packet"), the client is gone before it could
            // be told anything: the router just closes its side, without waiting for auth_timeout.
            assertThat(client.readToEnd()).as("messages").isEmpty();
        }
        awaitOnlyTheGoodClient();
    }

    @Test
    @Order(1)
    @Timeout(20)
    void truncatedStartupThenSilence() throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            ByteBuf startup = startup(RAW_USER);
            client.send(startup.readRetainedSlice(startup.readableBytes() - 1));
            startup.release();
            long start = System.nanoTime();

            ErrorResponse error = client.expectFatalThenClose("08P01");

            assertThat(error.message()).contains("auth_timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(AUTH_TIMEOUT.minusMillis(100));
        }
        awaitOnlyTheGoodClient();
    }

    // ---- after login ---------------------------------------------------------------------------

    @Test
    @Order(1)
    @Timeout(20)
    void oversizedFrameAfterLogin() throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.login(RAW_USER);
            // Only the start of it: the router must refuse from the header, not buffer a megabyte.
            client.send(Unpooled.buffer().writeByte('Q').writeInt(1_000_000).writeBytes(new byte[1000]));

            client.expectFatalThenClose("08P01");
        }
        awaitOnlyTheGoodClient();
    }

    @Test
    @Order(1)
    @Timeout(20)
    void frameJustAboveMaxMessageSizeAfterLogin() throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.login(RAW_USER);
            client.send(Unpooled.buffer().writeByte('Q').writeInt(MAX_MESSAGE + 1).writeZero(100));

            client.expectFatalThenClose("08P01");
        }
        awaitOnlyTheGoodClient();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 3})
    @Order(1)
    @Timeout(20)
    void frameLengthBelowFourAfterLogin(int length) throws IOException {
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.login(RAW_USER);
            client.send(Unpooled.buffer().writeByte('Q').writeInt(length).writeBytes("select 1\0".getBytes(StandardCharsets.US_ASCII)));

            client.expectFatalThenClose("08P01");
        }
        awaitOnlyTheGoodClient();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    @Order(1)
    @Timeout(20)
    void randomBytesAfterLogin(long seed) throws IOException {
        byte[] noise = new byte[256];
        new Random(seed).nextBytes(noise);
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.login(RAW_USER);
            client.send(Unpooled.wrappedBuffer(noise));

            client.expectFatalThenClose("08P01");
        }
        awaitOnlyTheGoodClient();
    }

    @Test
    @Order(1)
    @Timeout(20)
    void wellFormedQueryFromARawSocketWorks() throws IOException {
        // The raw client itself is sound: what the other tests send is what gets them closed.
        try (RawClient client = RawClient.connect(fixture.primaryPort())) {
            client.login(RAW_USER);
            ByteBuf query = Unpooled.buffer().writeByte('Q').writeInt(0);
            query.writeBytes("select 41 + 1\0".getBytes(StandardCharsets.US_ASCII));
            query.setInt(1, query.readableBytes() - 1);
            client.send(query);

            List<Character> types = new ArrayList<>();
            while (!types.contains('Z') && types.size() < 10) {
                RawClient.Message m = client.read();
                assertThat(m).isNotNull();
                types.add(m.type());
            }
            assertThat(types).containsExactly('T', 'D', 'C', 'Z');
        }
        awaitOnlyTheGoodClient();
    }

    // ---- the good client -----------------------------------------------------------------------

    @Test
    @Order(2)
    @Timeout(60)
    void goodClientCommittedEveryTransactionMeanwhile() throws Exception {
        badClientsDone = true;
        int committed = goodClient.get(50, TimeUnit.SECONDS);

        assertThat(goodClientErrors).isEmpty();
        assertThat(committed).isBetween(GOOD_TRANSACTIONS, GOOD_TRANSACTIONS_CAP - 1);
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from good_client")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(committed);
        }
        // Every bad client's server connection went back to the pool clean.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fixture.router().poolStats())
                .filteredOn(stats -> stats.key().user().equals(RAW_USER))
                .allSatisfy(stats -> assertThat(stats.active()).isZero())
                .extracting(PoolStats::total).allSatisfy(total -> assertThat(total).isLessThanOrEqualTo(1)));
    }

    /** The bad client's session is gone on the router's side too; only the good client remains. */
    private static void awaitOnlyTheGoodClient() {
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().clientCount() == 1 || goodClient.isDone());
        assertThat(goodClient.isDone()).as("good client still running").isFalse();
    }

    private static ByteBuf startup(String user) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", "postgres");
        ByteBuf buf = Unpooled.buffer();
        new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters).encode(buf);
        return buf;
    }

    /** A client on a plain socket, speaking the protocol by hand; every read is bounded. */
    private static final class RawClient implements AutoCloseable {

        private static final int MAX_MESSAGES = 100;

        record Message(char type, byte[] payload) {
        }

        final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private RawClient(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static RawClient connect(int port) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            return new RawClient(socket);
        }

        void send(ByteBuf bytes) throws IOException {
            try {
                byte[] array = new byte[bytes.readableBytes()];
                bytes.readBytes(array);
                out.write(array);
                out.flush();
            } finally {
                bytes.release();
            }
        }

        /** Startup as a trusted user, up to the first ReadyForQuery. */
        void login(String user) throws IOException {
            send(startup(user));
            for (int i = 0; i < MAX_MESSAGES; i++) {
                Message m = read();
                assertThat(m).as("message during login").isNotNull();
                assertThat(m.type()).as("login failed: %s", m.type() == 'E' ? error(m).fields() : "").isNotEqualTo('E');
                if (m.type() == 'Z') {
                    return;
                }
            }
            throw new AssertionError("no ReadyForQuery after " + MAX_MESSAGES + " messages");
        }

        /**
         * Reads up to an ErrorResponse, checks it is FATAL with {@code sqlState}, then expects the
         * router to close the connection.
         */
        ErrorResponse expectFatalThenClose(String sqlState) throws IOException {
            for (int i = 0; i < MAX_MESSAGES; i++) {
                Message m = read();
                assertThat(m).as("an ErrorResponse before the connection closed").isNotNull();
                if (m.type() == 'E') {
                    ErrorResponse error = error(m);
                    assertThat(error.sqlState()).as("SQLSTATE of %s", error.fields()).isEqualTo(sqlState);
                    assertThat(error.severity()).isEqualTo(ErrorResponse.FATAL);
                    assertThat(readToEnd()).as("messages after the FATAL error").isEmpty();
                    return error;
                }
            }
            throw new AssertionError("no ErrorResponse within " + MAX_MESSAGES + " messages");
        }

        /** Whatever arrives until the router closes the connection (a timeout fails the test). */
        List<Character> readToEnd() throws IOException {
            List<Character> types = new ArrayList<>();
            for (int i = 0; i < MAX_MESSAGES; i++) {
                Message m = read();
                if (m == null) {
                    return types;
                }
                types.add(m.type());
            }
            throw new AssertionError("connection still open after " + MAX_MESSAGES + " messages: " + types);
        }

        /** The next message, or null once the connection is closed (or reset) by the router. */
        Message read() throws IOException {
            try {
                int type = in.read();
                if (type < 0) {
                    return null;
                }
                int length = in.readInt();
                assertThat(length).as("length of '%s'", (char) type).isBetween(4, 1 << 20);
                byte[] payload = new byte[length - 4];
                in.readFully(payload);
                return new Message((char) type, payload);
            } catch (EOFException e) {
                throw new AssertionError("connection closed in the middle of a message", e);
            } catch (SocketException e) {
                if (String.valueOf(e.getMessage()).contains("reset")) {
                    return null;
                }
                throw e;
            }
        }

        private static ErrorResponse error(Message m) {
            ByteBuf payload = Unpooled.wrappedBuffer(m.payload());
            try {
                return ErrorResponse.decode(payload);
            } finally {
                payload.release();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
