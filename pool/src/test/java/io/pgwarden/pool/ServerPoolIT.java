package io.pgwarden.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.pool.server.ServerCredentials;
import io.pgwarden.pool.server.ServerQueryException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool against a real PostgreSQL: pause/resume with queued clients, and a reset query that fails. */
@Timeout(120)
class ServerPoolIT {

    private static PostgresCluster cluster;
    private static EventLoopGroup loops;

    @BeforeAll
    static void start() {
        cluster = PostgresCluster.start();
        loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ServerPool pool(String resetQuery) {
        PostgresNode node = cluster.primary();
        ServerPool pool = new ServerPool(new PoolKey(node.name(), node.host(), node.port(), "postgres", "postgres"),
                new PoolSettings(0, 4, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofSeconds(20), resetQuery),
                new ServerConnector(NioSocketChannel.class, Duration.ofSeconds(10)));
        pool.updateCredentials(new ServerCredentials.Password("postgres"));
        return pool;
    }

    private static ServerConnection done(Future<ServerConnection> future) {
        await().atMost(Duration.ofSeconds(30)).until(future::isDone);
        assertThat(future.cause()).isNull();
        return future.getNow();
    }

    @Test
    void pauseAndResumeWithQueuedClientsNeverDrivesConnectingBelowZero() {
        ServerPool pool = pool("");
        pool.pause();
        List<Future<ServerConnection>> queued = List.of(pool.acquire(loops.next()), pool.acquire(loops.next()));
        assertThat(pool.stats().waiting()).isEqualTo(2);

        pool.resume();
        List<ServerConnection> servers = queued.stream().map(ServerPoolIT::done).toList();

        PoolStats handed = pool.stats();
        assertThat(handed.connecting()).as("both are logged in").isZero();
        assertThat(handed.total()).isEqualTo(2);
        assertThat(handed.inUse()).isEqualTo(2);

        servers.forEach(pool::release);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 2);
        assertThat(pool.stats()).isEqualTo(new PoolStats(pool.key(), 2, 0, 2, 0, 0));
        pool.close();
    }

    @Test
    void aFailedResetQueryIsReportedAsAFailedQueryNotAFailedLogin() {
        ServerPool pool = pool("select 1/0");
        ServerConnection server = done(pool.acquire(loops.next()));

        // What the pool's reset sees: the server's error, as a query failure with its SQLSTATE.
        Future<Void> reset = server.execute("select 1/0");
        await().atMost(Duration.ofSeconds(10)).until(reset::isDone);
        assertThat(reset.cause()).isInstanceOf(ServerQueryException.class);
        assertThat(((ServerQueryException) reset.cause()).sqlState()).isEqualTo("22012");

        try (LogCapture log = LogCapture.of(ServerPool.class)) {
            pool.release(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() == 0);
            assertThat(log.atInfoOrAbove()).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("reset query", "division by zero")
                            .doesNotContainIgnoringCase("login"));
        }
        pool.close();
    }
}
