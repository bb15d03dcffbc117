package io.pgwarden.router;

import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PatroniCluster;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * A real PostgreSQL cluster with the router in front, for integration tests: start one per test
 * class (it takes a few seconds) and close it in {@code @AfterAll}. The auth file holds
 * {@code postgres/postgres}; tests may add users with {@link #addUser}.
 */
public final class RouterFixture implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final PostgresCluster cluster;
    private final Path userList;
    private final RouterServer router;
    private final RouterConfig config;

    private RouterFixture(PostgresCluster cluster, Path userList, RouterConfig config, RouterServer router) {
        this.cluster = cluster;
        this.userList = userList;
        this.config = config;
        this.router = router;
    }

    /** A cluster with {@code replicas} replicas and a router configured by {@code customize}. */
    public static RouterFixture start(int replicas, UnaryOperator<RouterConfig> customize) throws Exception {
        return start(PostgresCluster.Options.defaults().withReplicas(replicas), customize);
    }

    public static RouterFixture start(PostgresCluster.Options options, UnaryOperator<RouterConfig> customize) throws Exception {
        PostgresCluster cluster = PostgresCluster.start(options);
        try {
            Path userList = writeUserList(cluster.tempDir());
            RouterConfig config = customize.apply(baseConfig(cluster, userList));
            return new RouterFixture(cluster, userList, config, RouterServer.start(config));
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Free ports, the cluster's members, the given auth file, scram for everyone; defaults elsewhere. */
    public static RouterConfig baseConfig(PostgresCluster cluster, Path userList) {
        List<RouterConfig.Member> members = new ArrayList<>();
        for (PostgresNode node : cluster.nodes()) {
            members.add(new RouterConfig.Member(node.name(), node.host(), node.port(),
                    node == cluster.primary() ? "primary" : "replica"));
        }
        return new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                new RouterConfig.Topology("test", members),
                new RouterConfig.Auth(userList, null),
                null, null, null, null);
    }

    /** Writes {@code dir/userlist.txt} with {@code postgres/postgres}, the auth file every fixture uses. */
    public static Path writeUserList(Path dir) throws IOException {
        Path userList = dir.resolve("userlist.txt");
        Files.writeString(userList, UserList.entry(USER, PASSWORD));
        return userList;
    }

    /**
     * Free ports, the given auth file, scram for everyone, and the topology of {@code patroni} as its
     * etcd shows it (no static members); defaults elsewhere.
     */
    public static RouterConfig baseConfig(PatroniCluster patroni, Path userList, Duration checkInterval,
                                          Duration isolationTimeout) {
        PatroniCluster.Options options = patroni.options();
        return new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                new RouterConfig.Topology(options.scope(), List.of()),
                new RouterConfig.Auth(userList, null),
                null, null, null, null,
                new RouterConfig.Dcs(List.of(patroni.etcd().clientUrl()), options.namespace(), options.scope(),
                        checkInterval, isolationTimeout, Duration.ofSeconds(options.ttl())));
    }

    /** Adds a line to the auth file; takes effect for the next router started from it. */
    public void addUser(String user, String secret) throws IOException {
        Files.writeString(userList, UserList.entry(user, secret), java.nio.file.StandardOpenOption.APPEND);
    }

    public PostgresCluster cluster() {
        return cluster;
    }

    public RouterServer router() {
        return router;
    }

    public RouterConfig config() {
        return config;
    }

    public Path userList() {
        return userList;
    }

    public int primaryPort() {
        return router.port(ListenerRole.PRIMARY);
    }

    public int replicaPort() {
        return router.port(ListenerRole.REPLICA);
    }

    public String jdbcUrl(int port, String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A JDBC connection through the router as postgres/postgres. */
    public Connection connect(int port) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(port, "postgres"), props);
    }

    /** A JDBC connection straight to the primary, bypassing the router. */
    public Connection connectDirect() throws SQLException {
        return cluster.primary().connect("postgres");
    }

    @Override
    public void close() {
        try {
            router.close();
        } finally {
            cluster.close();
        }
    }
}
