package io.pgwarden.router.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.session.FatalReply;
import io.pgwarden.testkit.TestCertificates;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris: a client that sends its login one byte a second is cut when {@code auth_timeout} has
 * passed since the connection was accepted, whichever phase it is in (SSL negotiation, startup
 * packet, password exchange): the deadline is not reset by each byte. It gets FATAL 08P01 naming
 * auth_timeout, and the socket is closed.
 */
class SlowClientIT {

    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(2);
    /** Scheduling, plus the grace a FATAL error gets to be written before the close. */
    private static final Duration SLACK = Duration.ofSeconds(2).plus(FatalReply.GRACE);
    private static final int TRICKLE_MILLIS = 1000;

    private static TestCertificates certificates;
    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        certificates = TestCertificates.create();
        // TLS on the replica port only: the primary port answers SSLRequest with 'N'.
        fixture = RouterFixture.start(0, cfg -> new RouterConfig(cfg.listen(), cfg.topology(), cfg.auth(), cfg.pool(),
                new RouterConfig.Limits(null, null, null, AUTH_TIMEOUT), cfg.routing(), cfg.server(), cfg.dcs(),
                cfg.admin(), new RouterConfig.Tls("disable", null, "allow", certificates.serverCert(),
                        certificates.serverKey(), null)));
        // A first login warms the router and the pool up: a cold one can take longer than auth_timeout.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Connection c = fixture.connect(fixture.primaryPort())) {
                return c.isValid(5);
            }
        });
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @Test
    @Timeout(30)
    void silentClientIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            expectCutAtDeadline(client, new byte[0], accepted);
        }
    }

    @Test
    @Timeout(30)
    void startupPacketOneByteASecondIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            expectCutAtDeadline(client, startup(RouterFixture.USER), accepted);
        }
    }

    @Test
    @Timeout(30)
    void sslRequestOneByteASecondIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            expectCutAtDeadline(client, StartupPackets.sslRequest(), accepted);
        }
    }

    @Test
    @Timeout(30)
    void startupAfterSslNegotiationOneByteASecondIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            client.write(StartupPackets.sslRequest());
            assertThat(client.readByte()).isEqualTo('N');

            expectCutAtDeadline(client, startup(RouterFixture.USER), accepted);
        }
    }

    @Test
    @Timeout(30)
    void tlsHandshakeOneByteASecondIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.replicaPort(), TRICKLE_MILLIS)) {
            client.write(StartupPackets.sslRequest());
            assertThat(client.readByte()).as("TLS accepted").isEqualTo('S');
            // The start of a TLS record that announces a 512-byte ClientHello, sent a byte a second.
            byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0};
            boolean closed = false;
            for (int round = 0; round < 30 && !closed; round++) {
                if (round < hello.length) {
                    client.write(new byte[] {hello[round]});
                }
                try {
                    // Inside TLS nothing readable comes back: the FATAL error cannot be sent in clear.
                    closed = client.readByte() < 0;
                } catch (SocketTimeoutException e) {
                    // Nothing yet: the next byte, a second later.
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - accepted);

            assertThat(closed).as("connection closed").isTrue();
            assertThat(elapsed).isBetween(AUTH_TIMEOUT.minusMillis(50), AUTH_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    @Timeout(30)
    void passwordMessageOneByteASecondIsCutAtAuthTimeout() throws IOException {
        long accepted = System.nanoTime();
        try (RawConnection client = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            client.write(startup(RouterFixture.USER));
            RawConnection.Message request = client.read();
            assertThat(request.type()).isEqualTo('R');
            assertThat(StartupPackets.intAt(request.payload(), 0)).as("SASL request").isEqualTo(10);
            byte[] first = "n,,n=,r=abcdefghijklmnopqrstuvwx".getBytes(StandardCharsets.US_ASCII);
            byte[] initial = Frame.of('p', new Frame.Body().cstring("SCRAM-SHA-256").int32(first.length).bytes(first)
                    .toBytes()).encode();

            expectCutAtDeadline(client, initial, accepted);
        }
    }

    @Test
    @Timeout(30)
    void aGoodClientLogsInWhileSlowClientsWait() throws Exception {
        try (RawConnection slow = RawConnection.open(fixture.primaryPort(), TRICKLE_MILLIS)) {
            slow.write(new byte[] {0, 0});
            try (Connection c = fixture.connect(fixture.primaryPort()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().clientCount() == 0);
    }

    /**
     * Sends {@code bytes} one a second (then nothing) and expects FATAL 08P01 about auth_timeout
     * and the close, no sooner than auth_timeout after the accept and not much later.
     */
    private static void expectCutAtDeadline(RawConnection client, byte[] bytes, long accepted) throws IOException {
        RawConnection.Message error = null;
        boolean closed = false;
        // Bounded: at most 30 one-second rounds; the router must have acted well before.
        for (int round = 0; round < 30 && !closed; round++) {
            if (round < bytes.length) {
                client.write(new byte[] {bytes[round]});
            }
            try {
                RawConnection.Message m = client.read();
                assertThat(error).as("a message after the FATAL error: %s", m).isNull();
                error = m;
            } catch (SocketTimeoutException e) {
                // Nothing yet: the next byte, a second later.
            } catch (RawConnection.Closed e) {
                closed = true;
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - accepted);

        assertThat(closed).as("connection closed").isTrue();
        assertThat(error).as("the FATAL error before the close").isNotNull();
        assertThat(error.sqlState()).contains("08P01");
        assertThat(error.field('S')).contains("FATAL");
        assertThat(error.field('M').orElse("")).contains("auth_timeout");
        assertThat(elapsed).isBetween(AUTH_TIMEOUT.minusMillis(50), AUTH_TIMEOUT.plus(SLACK));
    }

    private static byte[] startup(String user) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", "postgres");
        return StartupPackets.startupMessage(StartupPackets.PROTOCOL_3_0, parameters);
    }
}
