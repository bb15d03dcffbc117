package io.pgwarden.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.pool.server.ServerCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's bookkeeping without a PostgreSQL: a "server" that accepts TCP connections and never
 * answers keeps a connection in its login (so it counts as connecting) until the login timeout;
 * a closed port makes every opening fail at once.
 */
@Timeout(30)
class ServerPoolTest {

    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(2);

    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = loops.next();
    private final ServerConnector connector = new ServerConnector(NioSocketChannel.class, LOGIN_TIMEOUT);
    private ServerSocket silent;

    @BeforeEach
    void listen() throws IOException {
        // Never accept()ed: the kernel completes the handshake, nobody ever answers the startup message.
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws Exception {
        silent.close();
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private ServerPool pool(int port, int minSize) {
        ServerPool pool = new ServerPool(new PoolKey("n1", "127.0.0.1", port, "db", "alice"),
                new PoolSettings(minSize, 2, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofSeconds(20), ""),
                connector);
        pool.updateCredentials(new ServerCredentials.Password("secret"));
        return pool;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void resumeCountsTheConnectionItOpensForAQueuedClientAsConnecting() {
        ServerPool pool = pool(silent.getLocalPort(), 0);
        pool.pause();
        Future<ServerConnection> queued = pool.acquire(loop);
        assertThat(pool.stats().waiting()).isEqualTo(1);
        assertThat(pool.stats().total()).isZero();

        pool.resume();

        PoolStats opening = pool.stats();
        assertThat(opening.total()).isEqualTo(1);
        assertThat(opening.active()).isEqualTo(1);
        assertThat(opening.connecting()).as("the connection resume() opens is still logging in").isEqualTo(1);
        assertThat(opening.inUse()).isZero();

        // The silent server lets the login time out: every count goes back to zero, none below.
        await().atMost(Duration.ofSeconds(10)).until(queued::isDone);
        assertThat(queued.isSuccess()).isFalse();
        assertThat(pool.stats()).isEqualTo(new PoolStats(pool.key(), 0, 0, 0, 0, 0));
    }

    @Test
    void anOpeningThatFailsGivesBackEveryCountItTook() throws IOException {
        ServerPool pool = pool(closedPort(), 0);
        Future<ServerConnection> attempt = pool.acquire(loop);
        await().atMost(Duration.ofSeconds(10)).until(attempt::isDone);
        assertThat(attempt.isSuccess()).isFalse();
        assertThat(pool.stats()).isEqualTo(new PoolStats(pool.key(), 0, 0, 0, 0, 0));
    }

    @Test
    void connectionsOpenedToReachTheMinimumCountAsConnectingUntilLoggedIn() {
        ServerPool pool = pool(silent.getLocalPort(), 1);
        pool.maintain(loop);
        assertThat(pool.stats().connecting()).isEqualTo(1);
        assertThat(pool.stats().total()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() == 0);
        assertThat(pool.stats()).isEqualTo(new PoolStats(pool.key(), 0, 0, 0, 0, 0));
    }

    @Test
    void aNodeThatCannotBeReachedIsReportedOnceNotAtEveryAttempt() throws IOException {
        ServerPool pool = pool(closedPort(), 0);
        try (LogCapture log = LogCapture.of(NodeReachability.class)) {
            for (int attempt = 0; attempt < 5; attempt++) {
                Future<ServerConnection> f = pool.acquire(loop);
                await().atMost(Duration.ofSeconds(10)).until(f::isDone);
                assertThat(f.isSuccess()).isFalse();
            }
            assertThat(log.atInfoOrAbove()).hasSize(1);
            assertThat(log.atInfoOrAbove().get(0).getFormattedMessage()).contains("n1", "unreachable");
        }
    }
}
