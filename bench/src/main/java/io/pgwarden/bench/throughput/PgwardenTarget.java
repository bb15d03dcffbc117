package io.pgwarden.bench.throughput;

import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** The pgwarden router in this JVM, in session or transaction pool mode, in front of one primary. */
public final class PgwardenTarget implements Target {

    private static final String HOST = "127.0.0.1";

    private final RouterServer router;
    private final PoolMode poolMode;
    private final int poolSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PgwardenTarget(RouterServer router, PoolMode poolMode, int poolSize) {
        this.router = router;
        this.poolMode = poolMode;
        this.poolSize = poolSize;
    }

    /**
     * Starts the router on free loopback ports.
     *
     * @param userList  userlist.txt-style file holding the secret the router logs in to {@code primary} with
     * @param transport the router's {@code listen.transport}
     */
    public static PgwardenTarget start(PostgresNode primary, Path userList, PoolMode poolMode, int poolSize,
                                       String transport) throws InterruptedException {
        RouterConfig config = new RouterConfig(
                new RouterConfig.Listen(HOST, FreePorts.next(), FreePorts.next(), null, transport),
                new RouterConfig.Topology("bench", List.of(
                        new RouterConfig.Member(primary.name(), primary.host(), primary.port(), "primary"))),
                new RouterConfig.Auth(userList, null),
                new RouterConfig.Pool(poolMode.configName(), 0, poolSize, null, null, null, null),
                null, null, null);
        RouterServer router = RouterServer.start(config);
        return new PgwardenTarget(router, poolMode, poolSize);
    }

    static String nameFor(PoolMode poolMode) {
        return "pgwarden-" + poolMode.shortName();
    }

    @Override
    public String name() {
        return nameFor(poolMode);
    }

    @Override
    public String description() {
        return "pgwarden router in the bench JVM, " + poolMode.configName() + " pool mode, pool max_size " + poolSize
                + ", " + router.transportName() + " transport";
    }

    @Override
    public Optional<PoolMode> poolMode() {
        return Optional.of(poolMode);
    }

    /** The bench JVM's CPU time: the router's event loops, and its GC and JIT, while pgbench waits. */
    @Override
    public Optional<Duration> cpuTime() {
        return ProcessHandle.current().info().totalCpuDuration();
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return router.port(ListenerRole.PRIMARY);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            router.close();
        }
    }
}
