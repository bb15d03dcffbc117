package io.pgwarden.pool.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.pool.LogCapture;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a server connection logs when its pipeline fails. */
class ServerHandlerTest {

    private static EmbeddedChannel serverChannel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ServerConnection server = new ServerConnection(channel, new PoolKey("n1", "127.0.0.1", 5432, "db", "alice"),
                new BackendKeyData(42, 7), Map.of());
        channel.pipeline().addLast(new ServerHandler(server));
        return channel;
    }

    @Test
    void anUnexpectedExceptionIsLoggedWithItsStack() {
        EmbeddedChannel channel = serverChannel();
        try (LogCapture log = LogCapture.of(ServerHandler.class)) {
            channel.pipeline().fireExceptionCaught(new IllegalStateException("a bug in pgwarden"));
            assertThat(log.atInfoOrAbove()).singleElement().satisfies(event -> {
                assertThat(event.getThrowableProxy()).as("the stack of an unexpected exception").isNotNull();
                assertThat(event.getThrowableProxy().getClassName()).isEqualTo(IllegalStateException.class.getName());
                assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
            });
        }
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aLostConnectionIsOneLineWithoutAStack() {
        EmbeddedChannel channel = serverChannel();
        try (LogCapture log = LogCapture.of(ServerHandler.class)) {
            channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
            assertThat(log.atInfoOrAbove()).singleElement()
                    .satisfies(event -> assertThat(event.getThrowableProxy()).isNull());
        }
        assertThat(channel.isOpen()).isFalse();
    }
}
