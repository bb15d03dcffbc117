package io.pgwarden.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.FreePorts;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.util.PSQLException;

/**
 * The pool never holds more server connections than {@code pool.max_size}, however many clients
 * come and go; a client that cannot get one within {@code pool_timeout}, or that would exceed
 * {@code max_client_conn}, gets 53300.
 */
class PoolLimitsIT {

    private static final int MAX_SIZE = 5;
    private static final int CLIENTS = 200;
    private static final int CLIENT_THREADS = 20;

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        fixture = RouterFixture.start(0, cfg -> withPool(cfg,
                new RouterConfig.Pool("session", 0, MAX_SIZE, null, null, Duration.ofSeconds(30), null)));
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    @Timeout(90)
    void manyShortClientsShareAtMostMaxSizeServerConnections() throws Exception {
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger maxBackends = new AtomicInteger();
        AtomicInteger maxPooled = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        ExecutorService sampler = Executors.newSingleThreadExecutor();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
        try {
            Future<?> sampled = sampler.submit(() -> {
                try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
                    // Bounded: the test's own timeout ends it at the latest.
                    for (int i = 0; i < 10_000 && sampling.get(); i++) {
                        try (ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity"
                                + " where backend_type = 'client backend' and usename = 'postgres'"
                                + " and pid <> pg_backend_pid()")) {
                            rs.next();
                            maxBackends.accumulateAndGet(rs.getInt(1), Math::max);
                        }
                        maxPooled.accumulateAndGet(pooledTotal(fixture.router()), Math::max);
                        samples.incrementAndGet();
                        Thread.sleep(20);
                    }
                }
                return null;
            });

            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                results.add(clients.submit(() -> {
                    try (Connection c = fixture.connect(fixture.primaryPort()); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("select " + n)) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }));
            }
            for (int i = 0; i < CLIENTS; i++) {
                assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
            }
            sampling.set(false);
            sampled.get(10, TimeUnit.SECONDS);
        } finally {
            sampling.set(false);
            clients.shutdownNow();
            sampler.shutdownNow();
        }

        assertThat(samples.get()).as("samples taken").isGreaterThan(5);
        assertThat(maxBackends.get()).as("most client backends at once in pg_stat_activity").isBetween(1, MAX_SIZE);
        // 20 clients at once on 5 connections: the pool fills up, and goes no further.
        assertThat(maxPooled.get()).as("most server connections in the router's pools").isEqualTo(MAX_SIZE);
        assertThat(fixture.router().poolStats()).allSatisfy(stats -> assertThat(stats.total()).isLessThanOrEqualTo(MAX_SIZE));
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.router().clientCount() == 0);
    }

    @Test
    @Timeout(60)
    void clientWaitingLongerThanPoolTimeoutGets53300() throws Exception {
        Duration poolTimeout = Duration.ofMillis(500);
        try (RouterServer router = startRouter(cfg -> withPool(cfg,
                new RouterConfig.Pool("session", 0, 1, null, null, poolTimeout, null)))) {
            try (Connection first = connect(router)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> connect(router).close())
                        .isInstanceOfSatisfying(PSQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("53300");
                            assertThat(e.getMessage()).contains("pool_timeout");
                        });
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(poolTimeout);
                assertThat(selectOne(first)).as("the first client is unaffected").isEqualTo(1);
                await().atMost(Duration.ofSeconds(10)).until(() -> router.clientCount() == 1);
            }
            // Once the first client is gone its connection serves the next one.
            try (Connection next = connect(router)) {
                assertThat(selectOne(next)).isEqualTo(1);
            }
            assertThat(router.poolStats()).singleElement().satisfies(stats -> {
                assertThat(stats.total()).isEqualTo(1);
                assertThat(stats.waiting()).isZero();
            });
        }
    }

    @Test
    @Timeout(60)
    void clientBeyondMaxClientConnGets53300() throws Exception {
        try (RouterServer router = startRouter(cfg -> new RouterConfig(cfg.listen(), cfg.topology(), cfg.auth(),
                cfg.pool(), new RouterConfig.Limits(3, null, null, null), cfg.routing(), cfg.server()))) {
            List<Connection> three = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    three.add(connect(router));
                }
                assertThatThrownBy(() -> connect(router).close())
                        .isInstanceOfSatisfying(PSQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("53300");
                            assertThat(e.getMessage()).contains("sorry, too many clients already");
                        });
                for (Connection c : three) {
                    assertThat(selectOne(c)).isEqualTo(1);
                }
                assertThat(router.clientCount()).isEqualTo(3);

                three.remove(0).close();
                await().atMost(Duration.ofSeconds(10)).until(() -> router.clientCount() == 2);
                three.add(connect(router));
                assertThat(selectOne(three.get(2))).isEqualTo(1);
            } finally {
                for (Connection c : three) {
                    c.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> router.clientCount() == 0);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static RouterConfig withPool(RouterConfig cfg, RouterConfig.Pool pool) {
        return new RouterConfig(cfg.listen(), cfg.topology(), cfg.auth(), pool, cfg.limits(), cfg.routing(), cfg.server());
    }

    /** A second router on the fixture's cluster, with its own ports and pools. */
    private static RouterServer startRouter(UnaryOperator<RouterConfig> customize) throws InterruptedException {
        RouterConfig base = fixture.config();
        RouterConfig fresh = new RouterConfig(new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                base.topology(), base.auth(), base.pool(), base.limits(), base.routing(), base.server());
        return RouterServer.start(customize.apply(fresh));
    }

    private static Connection connect(RouterServer router) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + router.port(ListenerRole.PRIMARY) + "/postgres",
                props);
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int pooledTotal(RouterServer router) {
        return router.poolStats().stream().mapToInt(PoolStats::total).sum();
    }
}
