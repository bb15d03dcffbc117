package io.pgwarden.router.admin;

import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.admin.ConsoleClient.Table;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A router started from a real YAML file, reloaded with the admin console's RELOAD while clients
 * are connected and inside transactions: pool size and timeout, users, hba rules and admin users
 * change for new logins and checkouts, connected clients carry on, keys that cannot change at
 * runtime keep their values, and a bad file changes nothing at all.
 */
@Timeout(180)
class ConfigReloadIT {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-pw";

    private PostgresCluster cluster;
    private RouterServer router;
    private Path configFile;
    private Path userList;
    private int primaryPort;
    private int replicaPort;
    private ConsoleClient console;

    @BeforeEach
    void start() throws Exception {
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(0));
        try (Connection direct = cluster.primary().connect("postgres"); Statement s = direct.createStatement()) {
            s.execute("CREATE ROLE carol LOGIN PASSWORD 'carol-pw'");
            s.execute("CREATE ROLE newbie LOGIN PASSWORD 'newbie-pw'");
        }
        Path dir = cluster.tempDir();
        configFile = dir.resolve("router.yml");
        userList = dir.resolve("userlist.txt");
        Files.writeString(userList, UserList.entry("postgres", "postgres") + UserList.entry("carol", "carol-pw")
                + UserList.entry(ADMIN, ADMIN_PASSWORD));
        primaryPort = FreePorts.next();
        replicaPort = FreePorts.next();
        Files.writeString(configFile, config(primaryPort, "max_size: 3", "pool_timeout: 30s", ""));
        router = RouterServer.start(configFile);
        console = new ConsoleClient(primaryPort, "pgwarden", ADMIN, ADMIN_PASSWORD);
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private String config(int port, String maxSize, String poolTimeout, String extraHba) {
        PostgresNode primary = cluster.primary();
        return """
                # written by ConfigReloadIT
                listen:
                  host: 127.0.0.1
                  primary_port: %d
                  replica_port: %d
                topology:
                  cluster: reload
                  members:
                    - {name: pg0, host: %s, port: %d, role: primary}
                auth:
                  file: userlist.txt
                  hba:
                %s    - {method: scram-sha-256}
                pool:
                  %s
                  %s
                admin:
                  users: [%s]
                """.formatted(port, replicaPort, primary.host(), primary.port(), extraHba, maxSize, poolTimeout, ADMIN);
    }

    private Connection login(String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "20");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres", props);
    }

    private static int queryInt(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private PoolStats postgresPool() {
        return router.poolStats().stream()
                .filter(p -> p.key().user().equals("postgres") && p.key().database().equals("postgres"))
                .findFirst().orElseThrow();
    }

    private static String status(Table reload, String key) {
        return reload.rowsWhere("key", key).stream().map(r -> r.get("status")).findFirst().orElse("(not listed)");
    }

    @Test
    void reloadChangesLimitsUsersAndRulesForNewLoginsWhileConnectedClientsCarryOn() throws Exception {
        try (Connection inTransaction = login("postgres", "postgres");
             Connection idle = login("postgres", "postgres");
             Connection carol = login("carol", "carol-pw")) {
            inTransaction.setAutoCommit(false);
            queryInt(inTransaction, "select 1");
            queryInt(idle, "select 1");
            assertThat(postgresPool().total()).isEqualTo(2);
            assertThatThrownBy(() -> login("newbie", "newbie-pw"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

            Files.writeString(userList, UserList.entry("newbie", "newbie-pw"), java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(configFile, config(FreePorts.next(), "max_size: 1", "pool_timeout: 1s",
                    "    - {user: carol, method: reject}\n"));
            Table reload = console.jdbc("RELOAD");

            assertThat(reload.columns()).containsExactly("key", "status");
            assertThat(status(reload, "pool.max_size")).isEqualTo("applied");
            assertThat(status(reload, "pool.pool_timeout")).isEqualTo("applied");
            assertThat(status(reload, "auth.hba[0].user")).isEqualTo("applied");
            assertThat(status(reload, "auth.file (users)")).isEqualTo("applied");
            assertThat(status(reload, "listen.primary_port")).startsWith("needs a restart");

            // Connected clients carry on, inside their transaction too.
            assertThat(queryInt(inTransaction, "select 2")).isEqualTo(2);
            inTransaction.commit();
            assertThat(queryInt(carol, "select 3")).isEqualTo(3);
            // The new user logs in; the new rule refuses carol's next login.
            try (Connection newbie = login("newbie", "newbie-pw")) {
                assertThat(queryInt(newbie, "select 4")).isEqualTo(4);
            }
            assertThatThrownBy(() -> login("carol", "carol-pw"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
            // The pool may no longer grow past one, and a client waits the new pool_timeout for it.
            assertThatThrownBy(() -> login("postgres", "postgres"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("53300");
                        assertThat(e.getMessage()).contains("pool_timeout (1000 ms)");
                    });
            // A connection given back beyond the new maximum is closed.
            idle.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> postgresPool().total() == 1);
            // The listening port is one of the keys a reload cannot change.
            assertThat(router.port(ListenerRole.PRIMARY)).isEqualTo(primaryPort);
            assertThat(console.jdbc("SHOW CONFIG").rowsWhere("key", "listen.primary_port").get(0))
                    .containsEntry("value", String.valueOf(primaryPort));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            syntax error        | 'broken: "unterminated'                   | not valid YAML
            unknown key         | 'pool:\\n  maxsize: 3'                     | unknown key 'pool.maxsize'
            bad value           | 'pool:\\n  max_size: 0'                    | bad value for key 'pool.max_size'
            missing auth file   | 'auth:\\n  file: missing.txt'              | bad value for key 'auth.file'
            """)
    void aBadFileIsRejectedNamingKeyAndFileAndChangesNothing(String what, String extra, String error) throws Exception {
        try (Connection connected = login("postgres", "postgres")) {
            Files.writeString(configFile, config(primaryPort, "max_size: 2", "pool_timeout: 30s", "")
                    .replace("admin:", extra.replace("\\n", "\n") + "\nadmin:"));
            assertThatThrownBy(() -> console.jdbc("RELOAD"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("F0000");
                        assertThat(e.getMessage()).contains(configFile.toString()).contains(error)
                                .contains("the running config stays in force");
                    });

            Map<String, String> maxSize = console.jdbc("SHOW CONFIG").rowsWhere("key", "pool.max_size").get(0);
            assertThat(maxSize).containsEntry("value", "3");
            assertThat(queryInt(connected, "select 1")).isEqualTo(1);
            try (Connection another = login("postgres", "postgres")) {
                assertThat(queryInt(another, "select 1")).isEqualTo(1);
            }
        }
    }

    @Test
    void aMalformedAuthFileIsRejectedAndTheOldUsersStay() throws Exception {
        Files.writeString(userList, "\"newbie\" \"newbie-pw\"\nthis line is not a user\n");
        assertThatThrownBy(() -> console.jdbc("RELOAD"))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("F0000");
                    assertThat(e.getMessage()).contains(configFile.toString()).contains("'auth.file'")
                            .contains(userList + ":2");
                });
        try (Connection postgres = login("postgres", "postgres")) {
            assertThat(queryInt(postgres, "select 1")).isEqualTo(1);
        }
        assertThatThrownBy(() -> login("newbie", "newbie-pw"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void adminUsersChangeWithAReloadToo() throws Exception {
        Files.writeString(configFile, config(primaryPort, "max_size: 3", "pool_timeout: 30s", "")
                .replace("users: [" + ADMIN + "]", "users: [" + ADMIN + ", carol]"));
        assertThat(status(console.jdbc("RELOAD"), "admin.users")).isEqualTo("applied");

        ConsoleClient asCarol = new ConsoleClient(primaryPort, "pgwarden", "carol", "carol-pw");
        assertThat(asCarol.jdbc("SHOW VERSION").rows()).hasSize(1);
        assertThat(console.jdbc("RELOAD").rows()).as("a second reload of the same file changes nothing").isEmpty();
    }
}
