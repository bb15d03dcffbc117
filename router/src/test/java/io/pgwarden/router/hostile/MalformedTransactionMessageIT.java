package io.pgwarden.router.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * In transaction mode the router decodes Parse, Bind, Describe, Close and Query itself. A client
 * whose such message is malformed gets FATAL 08P01, and the message's buffer is released: both
 * when a server connection is at hand at once, and when the message waited in the queue for one
 * (it is then decoded from a pool callback, where an exception used to be lost and the client left
 * hanging with its server connection). Netty's PARANOID leak detector watches throughout.
 */
class MalformedTransactionMessageIT {

    private static final String USER = "tx_user";
    private static final String PASSWORD = "tx-pw";

    private static HandlerFailureWatch watch;
    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        watch = HandlerFailureWatch.start();
        fixture = RouterFixture.start(0, cfg -> {
            try {
                Files.writeString(cfg.auth().file(), UserList.entry(USER, PASSWORD), StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new RouterConfig(cfg.listen(), cfg.topology(),
                    new RouterConfig.Auth(cfg.auth().file(), List.of(
                            new RouterConfig.HbaEntry("all", USER, "all", "trust"),
                            new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                    // One server connection, so that a second client has to queue for it.
                    new RouterConfig.Pool("transaction", 0, 1, null, null, Duration.ofSeconds(30), null),
                    cfg.limits(), cfg.routing(), cfg.server());
        });
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            s.execute("create role " + USER + " login password '" + PASSWORD + "'");
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (watch != null) {
            watch.close();
        }
    }

    /** Malformed bodies of the messages the router decodes in transaction mode. */
    private static byte[] malformed(char type) {
        return switch (type) {
            case 'P' -> Frame.of('P', "s1\0select 1".getBytes()).encode();          // query not terminated
            case 'B' -> Frame.of('B', "portal-without-nul".getBytes()).encode();
            case 'D' -> Frame.of('D', new byte[] {'S', 's', '1'}).encode();        // name not terminated
            case 'C' -> Frame.of('C', new byte[] {'S'}).encode();                  // no name at all
            default -> Frame.of('Q', "select 1".getBytes()).encode();              // no terminator
        };
    }

    @ParameterizedTest
    @ValueSource(chars = {'P', 'B', 'D', 'C', 'Q'})
    @Timeout(60)
    void malformedMessageWithAServerAtHandGets08P01(char type) throws Exception {
        try (RawConnection client = login()) {
            client.write(malformed(type));

            expectFatal08P01ThenClose(client);
        }
        assertNoLeakOrEscapedException();
    }

    @ParameterizedTest
    @ValueSource(chars = {'P', 'B', 'D', 'C', 'Q'})
    @Timeout(60)
    void malformedMessageThatWaitedForAServerGets08P01(char type) throws Exception {
        try (RawConnection holder = login(); RawConnection client = login()) {
            // The holder keeps the only server connection in a transaction...
            holder.write(SessionBatches.query("BEGIN").encode());
            readUntilReady(holder);
            // ...so the client's malformed first message waits in the queue for it.
            client.write(malformed(type));
            await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().poolStats().stream()
                    .anyMatch(stats -> stats.waiting() > 0));
            holder.write(SessionBatches.query("COMMIT").encode());
            readUntilReady(holder);

            expectFatal08P01ThenClose(client);

            // The server connection went back to the pool: the holder can use it again.
            holder.write(SessionBatches.query("SELECT 1").encode());
            readUntilReady(holder);
        }
        assertNoLeakOrEscapedException();
    }

    private static RawConnection login() throws IOException {
        RawConnection connection = RawConnection.open(fixture.primaryPort(), 15_000);
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", USER);
        parameters.put("database", "postgres");
        connection.write(StartupPackets.startupMessage(StartupPackets.PROTOCOL_3_0, parameters));
        readUntilReady(connection);
        return connection;
    }

    private static void readUntilReady(RawConnection connection) throws IOException {
        for (int i = 0; i < 100; i++) {
            RawConnection.Message m = connection.read();
            assertThat(m.type()).as("unexpected error %s", m).isNotEqualTo('E');
            if (m.type() == 'Z') {
                return;
            }
        }
        throw new AssertionError("no ReadyForQuery within 100 messages");
    }

    private static void expectFatal08P01ThenClose(RawConnection client) throws IOException {
        RawConnection.Message error = client.read();
        assertThat(error.type()).as("reply %s", error).isEqualTo('E');
        assertThat(error.sqlState()).contains("08P01");
        assertThat(error.field('S')).contains("FATAL");
        try {
            RawConnection.Message more = client.read();
            throw new AssertionError("message after the FATAL error: " + more);
        } catch (RawConnection.Closed expected) {
            // The router closed the connection.
        }
    }

    private static void assertNoLeakOrEscapedException() {
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().clientCount() == 0);
        watch.collectLeaks();
        assertThat(watch.failures()).isEmpty();
    }
}
