package io.pgwarden.pool;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.server.ServerLoginException;
import org.junit.jupiter.api.Test;

/** A down node costs two log lines (down, back), however many transactions try it meanwhile. */
class NodeReachabilityTest {

    private final NodeReachability reachability = new NodeReachability();

    private static ServerLoginException refused() {
        return new ServerLoginException(SqlState.CONNECTION_FAILURE, "could not connect: Connection refused");
    }

    @Test
    void oneLineWhenANodeGoesAndOneWhenItComesBack() {
        try (LogCapture log = LogCapture.of(NodeReachability.class)) {
            for (int i = 0; i < 10; i++) {
                reachability.failed("r1", refused());
            }
            assertThat(reachability.isUnreachable("r1")).isTrue();
            for (int i = 0; i < 10; i++) {
                reachability.reached("r1");
            }
            assertThat(reachability.isUnreachable("r1")).isFalse();
            assertThat(log.atInfoOrAbove()).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("server r1 is unreachable: could not connect: Connection refused",
                            "server r1 is reachable again");
        }
    }

    @Test
    void aRefusedLoginSaysNothingAboutReachability() {
        try (LogCapture log = LogCapture.of(NodeReachability.class)) {
            reachability.failed("r1", new ServerLoginException("28P01", "password authentication failed"));
            reachability.reached("r2");
            assertThat(reachability.isUnreachable("r1")).isFalse();
            assertThat(log.atInfoOrAbove()).isEmpty();
        }
    }
}
