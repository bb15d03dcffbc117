package io.pgwarden.router.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.ListenerRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every listen.transport starts the router and serves queries, clients and server connections alike. */
@Timeout(120)
class TransportIT {

    private static PostgresCluster cluster;
    private static Path userList;

    @BeforeAll
    static void start() throws Exception {
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(1));
        userList = RouterFixture.writeUserList(cluster.tempDir());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"auto", "io_uring", "epoll", "nio"})
    void theRouterServesQueriesOn(String transport) throws Exception {
        if (transport.equals("io_uring")) {
            Assumptions.assumeTrue(IoUring.isAvailable(), "io_uring is not available on this kernel");
        }
        if (transport.equals("epoll")) {
            Assumptions.assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        }
        RouterConfig base = RouterFixture.baseConfig(cluster, userList);
        RouterConfig.Listen listen = base.listen();
        RouterConfig config = new RouterConfig(new RouterConfig.Listen(listen.host(), listen.primaryPort(),
                listen.replicaPort(), 2, transport), base.topology(), base.auth(),
                new RouterConfig.Pool("transaction", null, null, null, null, null, null), base.limits(), base.routing(),
                base.server(), base.dcs(), base.admin(), base.tls());
        String expected = transport.equals("auto") ? (IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio")
                : transport;
        try (RouterServer router = RouterServer.start(config)) {
            assertThat(router.transportName()).isEqualTo(expected);
            assertThat(query(router.port(ListenerRole.PRIMARY), "select pg_is_in_recovery()::text || ':' || count(*) from generate_series(1, 5000)"))
                    .isEqualTo("false:5000");
            assertThat(query(router.port(ListenerRole.REPLICA), "select pg_is_in_recovery()::text")).isEqualTo("true");
        }
    }

    private static String query(int port, String sql) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", RouterFixture.USER);
        props.setProperty("password", RouterFixture.PASSWORD);
        props.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
             Statement st = c.createStatement()) {
            // Several transactions: each takes a server connection from the pool and gives it back.
            String last = null;
            for (int i = 0; i < 3; i++) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    last = rs.getString(1);
                }
            }
            return last;
        }
    }
}
