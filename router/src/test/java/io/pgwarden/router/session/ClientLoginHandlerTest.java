package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Role;
import io.pgwarden.discovery.Topology;
import io.pgwarden.pool.PoolSettings;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.router.config.ConfigLoader;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.metrics.AuthFailure;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.reload.ConfigReloader;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.Router;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The login handler on its own, with no server anywhere: the topology has no primary, so a client
 * that gets through its login waits for one. What it answers, and that it gives back its place in the
 * connection limits whichever way the login ends.
 */
class ClientLoginHandlerTest {

    @TempDir
    Path dir;

    private final DefaultEventLoopGroup poolLoops = new DefaultEventLoopGroup(1);
    private final RouterMetrics metrics = new RouterMetrics();
    private final ClientRegistry registry = new ClientRegistry();
    private SessionContext context;
    private ServerPools pools;

    @BeforeEach
    void context() throws IOException {
        Files.writeString(dir.resolve("userlist.txt"), "\"alice\" \"secret\"\n");
        Path file = dir.resolve("router.yml");
        Files.writeString(file, """
                topology:
                  cluster: demo
                  members:
                    - name: pg0
                      host: 127.0.0.1
                      port: 1
                      role: primary
                auth:
                  file: userlist.txt
                  hba:
                    - user: alice
                      method: trust
                    - method: reject
                pool:
                  mode: transaction
                limits:
                  max_client_conn: 2
                  auth_timeout: 500ms
                """);
        RouterConfig config = new ConfigLoader().load(file);
        Router router = new Router(ConfigReloader.routingSettings(config.routing()), metrics);
        // No leader: a client that logs in is held for a primary, and no server is ever contacted.
        router.onTopology(new Topology("demo", Optional.empty(),
                List.of(Member.running("pg0", "127.0.0.1", 1, Role.REPLICA)), false, false, true));
        ServerConnector connector = new ServerConnector(NioSocketChannel.class, Duration.ofSeconds(1));
        PoolSettings poolSettings = ConfigReloader.poolSettings(config.pool());
        pools = new ServerPools(connector, poolLoops, key -> poolSettings);
        context = new SessionContext(new LiveSettings(ReloadableSettings.from(config, "test")), router, pools, registry,
                new CancelForwarder(NioSocketChannel.class, Duration.ofSeconds(1)), metrics, ConsoleGate.NONE);
    }

    @AfterEach
    void close() {
        pools.close();
        poolLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A client channel with a loopback address, as the hba rules need one. */
    private EmbeddedChannel client() {
        return new EmbeddedChannel(new ClientLoginHandler(context, ListenerRole.PRIMARY)) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 40000);
            }
        };
    }

    private static StartupMessage startup(String user, Map<String, String> more) {
        Map<String, String> parameters = new HashMap<>(more);
        parameters.put("user", user);
        parameters.put("database", "app");
        return new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);
    }

    private static ErrorResponse fatal(EmbeddedChannel channel) {
        Object reply;
        while ((reply = channel.readOutbound()) != null) {
            if (reply instanceof ErrorResponse error) {
                return error;
            }
            if (reply instanceof ByteBuf buf) {
                buf.release();
            }
        }
        throw new AssertionError("no error was sent");
    }

    @Test
    void anSslRequestReachingTheLoginIsAnsweredNAndTheClientGoesOnInPlaintext() {
        EmbeddedChannel channel = client();
        channel.writeInbound(SslRequest.INSTANCE);

        ByteBuf answer = channel.readOutbound();
        assertThat((char) answer.readByte()).isEqualTo('N');
        answer.release();
        assertThat(channel.isActive()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aReplicationConnectionIsRefusedBeforeItIsCountedIn() {
        EmbeddedChannel channel = client();
        channel.writeInbound(startup("alice", Map.of("replication", "database")));

        assertThat(fatal(channel).sqlState()).isEqualTo(SqlState.FEATURE_NOT_SUPPORTED);
        assertThat(registry.clientCount()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void aClientNoHbaRuleAllowsIsRefusedAndGivesBackItsPlaceInTheLimits() {
        EmbeddedChannel channel = client();
        channel.writeInbound(startup("mallory", Map.of()));

        assertThat(fatal(channel).sqlState()).isEqualTo(SqlState.INVALID_AUTHORIZATION_SPECIFICATION);
        assertThat(metrics.authFailures(AuthFailure.HBA_REJECT)).isEqualTo(1.0);
        channel.runPendingTasks();
        assertThat(channel.isActive()).isFalse();
        assertThat(registry.clientCount()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void beyondMaxClientConnAClientIsRefusedWith53300() {
        EmbeddedChannel first = client();
        EmbeddedChannel second = client();
        first.writeInbound(startup("alice", Map.of()));
        second.writeInbound(startup("alice", Map.of()));
        assertThat(registry.clientCount()).isEqualTo(2);

        EmbeddedChannel third = client();
        third.writeInbound(startup("alice", Map.of()));

        assertThat(fatal(third).sqlState()).isEqualTo(SqlState.TOO_MANY_CONNECTIONS);
        assertThat(registry.clientCount()).isEqualTo(2);
        List.of(first, second, third).forEach(EmbeddedChannel::finishAndReleaseAll);
        assertThat(registry.clientCount()).as("closed while held for a primary").isZero();
    }

    @Test
    void aMessageBeforeTheLoginCompletesIsAProtocolViolation() {
        EmbeddedChannel channel = client();
        channel.writeInbound(startup("alice", Map.of()));
        assertThat(registry.clientCount()).isEqualTo(1);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'Q', 0, 0, 0, 5, 0}));

        ErrorResponse error = fatal(channel);
        assertThat(error.sqlState()).isEqualTo(SqlState.PROTOCOL_VIOLATION);
        assertThat(error.message()).contains("before the login completed");
        assertThat(metrics.protocolErrors(ProtocolPhase.STARTUP)).isEqualTo(1.0);
        channel.runPendingTasks();
        assertThat(registry.clientCount()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void aLoginStillWaitingAtAuthTimeoutIsCut() {
        EmbeddedChannel channel = client();
        channel.writeInbound(startup("alice", Map.of()));

        channel.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        ErrorResponse error = fatal(channel);
        assertThat(error.message()).contains("auth_timeout");
        assertThat(metrics.authFailures(AuthFailure.TIMEOUT)).isEqualTo(1.0);
        channel.runPendingTasks();
        assertThat(registry.clientCount()).isZero();
        channel.finishAndReleaseAll();
    }
}
