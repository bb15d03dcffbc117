package io.pgwarden.router.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PSQLException;

/**
 * Thousands of sockets opened at once against a router with {@code max_client_conn} 100: never
 * more than 100 clients are in, the surplus is told FATAL 53300 "sorry, too many clients already"
 * on its startup packet (or closed unheard once it has waited too long to send one), every socket is
 * answered or closed within a bounded time, clients already connected keep working, and
 * afterwards the router's client count and open file descriptors are back where they were.
 * Sockets that never send a startup packet count toward a bound too (at most max_client_conn of
 * them at once) and are cut at auth_timeout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectionFloodIT {

    private static final int MAX_CLIENTS = 100;
    private static final int FLOOD = 5000;
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(5);
    /** Every flood socket must be answered or closed by then (SYN retries included). */
    private static final Duration FLOOD_BOUND = Duration.ofSeconds(60);
    private static final String FLOOD_USER = "flood";
    private static final int EXISTING_CLIENTS = 3;

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        fixture = RouterFixture.start(0, cfg -> {
            try {
                Files.writeString(cfg.auth().file(), UserList.entry(FLOOD_USER, "flood-pw"), StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new RouterConfig(cfg.listen(), cfg.topology(),
                    new RouterConfig.Auth(cfg.auth().file(), List.of(
                            new RouterConfig.HbaEntry("all", FLOOD_USER, "all", "trust"),
                            new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                    new RouterConfig.Pool("session", null, null, null, null, null, null, null,
                            List.of(new RouterConfig.PoolOverride("all", FLOOD_USER, "transaction"))),
                    new RouterConfig.Limits(MAX_CLIENTS, null, null, AUTH_TIMEOUT), cfg.routing(), cfg.server());
        });
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            s.execute("create role " + FLOOD_USER + " login password 'flood-pw'");
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    // ---- a flood of logins ---------------------------------------------------------------------------

    private enum Outcome { LOGGED_IN, REFUSED, CUT, CLOSED_SILENTLY, CONNECT_FAILED, OTHER_ERROR }

    @Test
    @Order(1)
    @Timeout(180)
    void floodNeverAdmitsMoreThanMaxClientConnAndLeavesNothingBehind() throws Exception {
        int flood = floodSize();
        List<Connection> existing = new ArrayList<>();
        for (int i = 0; i < EXISTING_CLIENTS; i++) {
            existing.add(fixture.connect(fixture.primaryPort()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().clientCount() == EXISTING_CLIENTS);
        long fdsBefore = openFileDescriptors();

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger maxClients = new AtomicInteger();
        List<Throwable> existingErrors = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger existingQueries = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(EXISTING_CLIENTS + 1);
        List<SocketChannel> sockets = new ArrayList<>();
        try {
            Future<?> sampler = threads.submit(() -> {
                try {
                    for (int i = 0; i < 1_000_000 && flooding.get(); i++) {
                        maxClients.accumulateAndGet(fixture.router().clientCount(), Math::max);
                        Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<Future<?>> users = new ArrayList<>();
            for (Connection c : existing) {
                users.add(threads.submit(() -> {
                    try (Statement s = c.createStatement()) {
                        for (int i = 0; i < 1_000_000 && flooding.get(); i++) {
                            try (ResultSet rs = s.executeQuery("select 1")) {
                                rs.next();
                            }
                            existingQueries.incrementAndGet();
                            Thread.sleep(1);
                        }
                    } catch (SQLException e) {
                        existingErrors.add(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }

            Map<Outcome, Integer> outcomes = flood(flood, sockets);
            System.out.println("ConnectionFloodIT: " + flood + " sockets: " + outcomes + ", at most "
                    + maxClients.get() + " clients in at once");

            int loggedIn = outcomes.getOrDefault(Outcome.LOGGED_IN, 0);
            assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(flood);
            assertThat(outcomes).doesNotContainKeys(Outcome.OTHER_ERROR);
            assertThat(loggedIn).isPositive().isLessThanOrEqualTo(MAX_CLIENTS - EXISTING_CLIENTS);
            assertThat(outcomes.getOrDefault(Outcome.REFUSED, 0)).isPositive();
            assertThat(fixture.router().clientCount()).isEqualTo(EXISTING_CLIENTS + loggedIn);

            flooding.set(false);
            sampler.get(10, TimeUnit.SECONDS);
            for (Future<?> user : users) {
                user.get(30, TimeUnit.SECONDS);
            }
            assertThat(maxClients.get()).as("clients in at once").isLessThanOrEqualTo(MAX_CLIENTS);
            assertThat(existingErrors).as("errors of the clients connected before the flood").isEmpty();
            assertThat(existingQueries.get()).isPositive();
        } finally {
            flooding.set(false);
            for (SocketChannel socket : sockets) {
                socket.close();
            }
            threads.shutdownNow();
        }

        // Everything the flood opened is closed again in the router.
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.router().clientCount() == EXISTING_CLIENTS);
        for (Connection c : existing) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 2")) {
                assertThat(rs.next()).isTrue();
            }
            c.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.router().clientCount() == 0);
        // The flood's transaction pool may keep up to max_size idle server connections.
        long slack = fixture.config().pool().maxSize() + 20;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(openFileDescriptors()).as("open file descriptors").isLessThanOrEqualTo(fdsBefore + slack));
    }

    /** As many sockets as the fd limit allows, both ends being in this JVM, up to {@link #FLOOD}. */
    private static int floodSize() {
        long limit = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        int size = (int) Math.min(FLOOD, (limit - 2000) / 2);
        if (size < FLOOD) {
            System.out.println("ConnectionFloodIT: fd limit " + limit + ", flooding with " + size + " sockets only");
        }
        assertThat(size).as("sockets the fd limit allows").isGreaterThan(MAX_CLIENTS * 2);
        return size;
    }

    /**
     * Opens {@code count} sockets at once; most send a StartupMessage, some nothing, some half of
     * one. Follows each until it is logged in or closed; returns how each ended.
     */
    private static Map<Outcome, Integer> flood(int count, List<SocketChannel> sockets) throws IOException {
        byte[] startup = startup(FLOOD_USER);
        InetSocketAddress router = new InetSocketAddress("127.0.0.1", fixture.primaryPort());
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < count; i++) {
                SocketChannel socket = SocketChannel.open();
                sockets.add(socket);
                socket.configureBlocking(false);
                byte[] first = switch (i % 10) {
                    case 0 -> new byte[0];
                    case 1 -> java.util.Arrays.copyOf(startup, startup.length / 2);
                    default -> startup;
                };
                socket.connect(router);
                socket.register(selector, SelectionKey.OP_CONNECT, new FloodSocket(first));
            }
            long deadline = System.nanoTime() + FLOOD_BOUND.toNanos();
            int open = count;
            while (open > 0 && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    FloodSocket state = (FloodSocket) key.attachment();
                    Outcome outcome = state.step(key);
                    if (outcome != null) {
                        outcomes.merge(outcome, 1, Integer::sum);
                        open--;
                        if (outcome != Outcome.LOGGED_IN) {
                            key.cancel();
                            key.channel().close();
                        } else {
                            key.interestOps(0);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            assertThat(open).as("sockets neither answered nor closed after %s", FLOOD_BOUND).isZero();
        }
        return outcomes;
    }

    /** One flood socket: connect, send its bytes, read until logged in or closed. */
    private static final class FloodSocket {
        private final ByteBuffer out;
        private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        private String sqlState;
        private String message;

        FloodSocket(byte[] first) {
            this.out = ByteBuffer.wrap(first);
        }

        /** Returns the outcome once there is one. */
        Outcome step(SelectionKey key) {
            SocketChannel socket = (SocketChannel) key.channel();
            if (key.isConnectable()) {
                try {
                    socket.finishConnect();
                    socket.write(out); // a few dozen bytes into an empty socket buffer: all of it
                } catch (IOException e) {
                    return Outcome.CONNECT_FAILED;
                }
                key.interestOps(SelectionKey.OP_READ);
                return null;
            }
            try {
                if (socket.read(in) < 0) {
                    return ended();
                }
            } catch (IOException e) {
                return ended(); // reset by the router after its answer, or instead of one
            }
            return parse();
        }

        private Outcome ended() {
            if (sqlState == null) {
                return Outcome.CLOSED_SILENTLY;
            }
            return switch (sqlState) {
                case "53300" -> message.equals("sorry, too many clients already") ? Outcome.REFUSED : Outcome.OTHER_ERROR;
                case "08P01" -> message.contains("auth_timeout") ? Outcome.CUT : Outcome.OTHER_ERROR;
                default -> Outcome.OTHER_ERROR;
            };
        }

        private Outcome parse() {
            in.flip();
            try {
                while (in.remaining() >= 5) {
                    int length = in.getInt(in.position() + 1);
                    if (in.remaining() < 1 + length) {
                        break;
                    }
                    char type = (char) in.get();
                    in.getInt();
                    byte[] payload = new byte[length - 4];
                    in.get(payload);
                    if (type == 'E') {
                        RawConnection.Message error = new RawConnection.Message(type, payload);
                        sqlState = error.sqlState().orElse("?");
                        message = error.field('M').orElse("");
                    } else if (type == 'Z') {
                        return Outcome.LOGGED_IN;
                    }
                }
                return null;
            } finally {
                in.compact();
            }
        }
    }

    // ---- sockets that never start ------------------------------------------------------------------

    @Test
    @Order(2)
    @Timeout(90)
    void socketsThatNeverSendAStartupPacketAreBoundedAndCut() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.router().clientCount() == 0);
        List<RawConnection> silent = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CLIENTS; i++) {
                silent.add(RawConnection.open(fixture.primaryPort(), 30_000));
            }
            // One more, once the router has taken all of them in, is refused on its startup packet.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (RawConnection probe = RawConnection.open(fixture.primaryPort(), 1000)) {
                    probe.write(startup(FLOOD_USER));
                    RawConnection.Message m = probe.read();
                    return m.sqlState().filter("53300"::equals).isPresent()
                            && m.field('M').orElse("").equals("sorry, too many clients already");
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(fixture.router().clientCount()).as("silent sockets are not clients yet").isZero();

            // auth_timeout ends each of them: FATAL 08P01, then the close.
            for (RawConnection connection : silent) {
                RawConnection.Message m = connection.read();
                assertThat(m.sqlState()).contains("08P01");
                assertThat(m.field('M').orElse("")).contains("auth_timeout");
                try {
                    connection.read();
                    throw new AssertionError("still open after the FATAL error");
                } catch (RawConnection.Closed expected) {
                    // closed
                }
            }
        } finally {
            silent.forEach(RawConnection::close);
        }
        // Their slots are free again.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(PSQLException.class).untilAsserted(() -> {
            try (Connection c = fixture.connect(fixture.primaryPort()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
        });
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static byte[] startup(String user) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", "postgres");
        return StartupPackets.startupMessage(StartupPackets.PROTOCOL_3_0, parameters);
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
