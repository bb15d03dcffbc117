package io.pgwarden.router.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.codec.PgMessageEncoder;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.GssEncRequest;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.testkit.TestCertificates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client-side TLS handler in a pipeline of its own: what it answers, passes on and refuses. */
class ClientTlsHandlerTest {

    private static final StartupMessage STARTUP =
            new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "alice", "database", "app"));

    private static TestCertificates certs;
    private static SslContext context;

    private final List<Boolean> handshakes = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeAll
    static void createContext() {
        certs = TestCertificates.create();
        context = TlsContexts.forClients(new RouterConfig.Tls("allow", null, null, certs.serverCert(), certs.serverKey(), null));
    }

    @AfterAll
    static void deleteCertificates() {
        certs.close();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void sslRequestIsAnsweredSInPlainTextThenEverythingGoesThroughTls() {
        start(ClientTlsMode.REQUIRE);

        channel.writeInbound(SslRequest.INSTANCE);

        ByteBuf answer = channel.readOutbound();
        assertThat(answer.readableBytes()).isEqualTo(1);
        assertThat(answer.readByte()).isEqualTo((byte) 'S');
        answer.release();
        assertThat(channel.pipeline().first()).isInstanceOf(SslHandler.class);
        assertThat(ClientTlsHandler.isEncrypted(channel)).isTrue();
        assertThat((Object) channel.readInbound()).as("the request itself is not passed on").isNull();
    }

    @Test
    void requireRefusesAPlainStartupWith28000AndPassesNothingOn() {
        start(ClientTlsMode.REQUIRE);

        channel.writeInbound(STARTUP);

        assertThat((Object) channel.readInbound()).isNull();
        ByteBuf error = channel.readOutbound();
        ErrorResponse response = ErrorResponse.decode(Frames.payload(error));
        error.release();
        assertThat(response.sqlState()).isEqualTo("28000");
        assertThat(response.message()).contains("TLS is required");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void allowPassesAPlainStartupOnAndLeavesThePipeline() {
        start(ClientTlsMode.ALLOW);

        channel.writeInbound(STARTUP);

        assertThat((Object) channel.readInbound()).isEqualTo(STARTUP);
        assertThat(channel.pipeline().get(ClientTlsHandler.class)).isNull();
        assertThat(ClientTlsHandler.isEncrypted(channel)).isFalse();
    }

    @Test
    void cancelAndGssEncRequestsPassOnWithoutTlsEvenWhereItIsRequired() {
        start(ClientTlsMode.REQUIRE);

        channel.writeInbound(GssEncRequest.INSTANCE, new CancelRequest(1, 2));

        assertThat((Object) channel.readInbound()).isSameAs(GssEncRequest.INSTANCE);
        assertThat((Object) channel.readInbound()).isEqualTo(new CancelRequest(1, 2));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aHandshakeThatFailsIsCountedAndClosesTheClient() {
        start(ClientTlsMode.ALLOW);
        channel.writeInbound(SslRequest.INSTANCE);
        ((ByteBuf) channel.readOutbound()).release();

        // Not a TLS record: what a client that ignores the 'S' would send.
        channel.writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 4, (byte) 210, 22, 47}));

        assertThat(handshakes).containsExactly(false);
        assertThat(channel.isOpen()).isFalse();
    }

    private void start(ClientTlsMode mode) {
        channel = new EmbeddedChannel(PgMessageEncoder.INSTANCE, new ClientTlsHandler(mode, context, handshakes::add));
    }
}
