package io.pgwarden.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.pool.PoolStats;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.util.PSQLException;

/**
 * Logins through the router with each client method (SCRAM-SHA-256, md5, trust) and each kind of
 * secret in the auth file (plain password, md5 hash, SCRAM verifier taken from the server),
 * against a PostgreSQL that itself asks for SCRAM-SHA-256 and one that asks for md5. Failed
 * logins get PostgreSQL's SQLSTATEs and never open a server connection.
 *
 * <p>The router's hba picks the client method by database: {@code postgres} scram-sha-256,
 * {@code md5db} md5, {@code trustdb} trust, {@code rejectdb} reject.
 */
class AuthIT {

    private static final String PLAIN_USER = "plain_user";
    private static final String PLAIN_PASSWORD = "plain 'pw'";
    private static final String MD5_USER = "md5_user";
    private static final String MD5_PASSWORD = "md5-pw";
    private static final String SCRAM_USER = "scram_user";
    private static final String SCRAM_PASSWORD = "scram-pw";

    private static final String SCRAM_DB = "postgres";
    private static final String MD5_DB = "md5db";
    private static final String TRUST_DB = "trustdb";
    private static final String REJECT_DB = "rejectdb";

    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);

    /** How the PostgreSQL behind the router authenticates the router. */
    enum ServerAuth { SCRAM, MD5 }

    private static final Map<ServerAuth, Site> sites = new EnumMap<>(ServerAuth.class);

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        sites.put(ServerAuth.SCRAM, Site.start(PostgresCluster.AuthMethod.SCRAM_SHA_256));
        sites.put(ServerAuth.MD5, Site.start(PostgresCluster.AuthMethod.MD5));
    }

    @AfterAll
    static void stop() {
        sites.values().forEach(Site::close);
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void plainPasswordLogsInWithEveryClientMethod(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        for (String db : List.of(SCRAM_DB, MD5_DB, TRUST_DB)) {
            assertLogsIn(site, PLAIN_USER, PLAIN_PASSWORD, db);
        }
        // trust asks for nothing, so what the client would have said does not matter.
        assertLogsIn(site, PLAIN_USER, "not the password", TRUST_DB);
    }

    @Test
    @Timeout(60)
    void md5HashLogsInWithMd5AndTrustWhereTheServerStoresMd5() throws Exception {
        Site site = sites.get(ServerAuth.MD5);
        assertThat(site.storedSecret(MD5_USER)).as("our md5 hash is PostgreSQL's").isEqualTo(md5Hash(MD5_USER, MD5_PASSWORD));
        for (String db : List.of(MD5_DB, TRUST_DB)) {
            assertLogsIn(site, MD5_USER, MD5_PASSWORD, db);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void md5HashCannotAnswerScram(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        // A client SCRAM login cannot be checked against an md5 hash (PostgreSQL refuses it too).
        assertLoginFails(site, MD5_USER, MD5_PASSWORD, SCRAM_DB, "28P01");
        if (server == ServerAuth.SCRAM) {
            // The client proves the password over md5, but the server wants SCRAM: the hash cannot answer.
            assertThatThrownBy(() -> jdbc(site, MD5_USER, MD5_PASSWORD, MD5_DB).close())
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28P01");
                        assertThat(e.getMessage()).contains("no secret usable for it");
                    });
        }
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void scramVerifierFromTheServerLogsInWithScramAndMd5Rules(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        assertThat(site.storedSecret(SCRAM_USER)).startsWith("SCRAM-SHA-256$");
        // An md5 rule with a SCRAM secret runs SCRAM, as PostgreSQL does; the router then logs in
        // to the server with the keys recovered from the client's proof.
        for (String db : List.of(SCRAM_DB, MD5_DB)) {
            assertLogsIn(site, SCRAM_USER, SCRAM_PASSWORD, db);
        }
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void wrongPasswordIs28P01AndOpensNoServerConnection(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        ServerSide before = site.serverSide();

        assertLoginFails(site, PLAIN_USER, "wrong", SCRAM_DB, "28P01");
        assertLoginFails(site, PLAIN_USER, "wrong", MD5_DB, "28P01");
        assertLoginFails(site, SCRAM_USER, "wrong", SCRAM_DB, "28P01");
        assertLoginFails(site, SCRAM_USER, "wrong", MD5_DB, "28P01");
        assertLoginFails(site, MD5_USER, "wrong", MD5_DB, "28P01");

        assertThat(site.serverSide()).isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void unknownUserIs28P01AndOpensNoServerConnection(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        ServerSide before = site.serverSide();

        assertLoginFails(site, "nobody", "whatever", SCRAM_DB, "28P01");
        assertLoginFails(site, "nobody", "whatever", MD5_DB, "28P01");

        assertThat(site.serverSide()).isEqualTo(before);
        assertThat(site.router.poolStats()).noneMatch(stats -> stats.key().user().equals("nobody"));
    }

    @ParameterizedTest
    @EnumSource(ServerAuth.class)
    @Timeout(60)
    void rejectRuleIs28000(ServerAuth server) throws Exception {
        Site site = sites.get(server);
        ServerSide before = site.serverSide();

        assertLoginFails(site, PLAIN_USER, PLAIN_PASSWORD, REJECT_DB, "28000");
        assertLoginFails(site, "postgres", "postgres", REJECT_DB, "28000");

        assertThat(site.serverSide()).isEqualTo(before);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Logs in with psql and with JDBC and checks who and where the session is. */
    private static void assertLogsIn(Site site, String user, String password, String db) throws SQLException {
        String expected = user + " " + db;
        CommandResult psql = ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", site.port(), user, password, db,
                "-At", "-c", "select current_user || ' ' || current_database()");
        assertThat(psql.succeeded()).as("psql as %s to %s: %s", user, db, psql.stderr()).isTrue();
        assertThat(psql.stdout().strip()).isEqualTo(expected);

        try (Connection c = jdbc(site, user, password, db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_user || ' ' || current_database()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("JDBC as %s to %s", user, db).isEqualTo(expected);
        }
    }

    /** Both clients are refused with {@code sqlState}; psql shows PostgreSQL's wording for 28P01. */
    private static void assertLoginFails(Site site, String user, String password, String db, String sqlState) {
        assertThatThrownBy(() -> jdbc(site, user, password, db).close())
                .as("JDBC as %s to %s", user, db)
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(sqlState));

        CommandResult psql = ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", site.port(), user, password, db,
                "-At", "-c", "select 1");
        assertThat(psql.succeeded()).as("psql as %s to %s", user, db).isFalse();
        if (sqlState.equals("28P01")) {
            assertThat(psql.stderr()).contains("password authentication failed for user \"" + user + "\"");
        }
    }

    private static Connection jdbc(Site site, String user, String password, String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + site.port() + "/" + db, props);
    }

    private static String md5Hash(String user, String password) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance("MD5").digest((password + user).getBytes(StandardCharsets.UTF_8));
        return "md5" + HexFormat.of().formatHex(digest);
    }

    /** Server connections seen from both ends: the router's pools, and PostgreSQL's own backends. */
    record ServerSide(int pooled, int backends) {
    }

    /** A cluster, its roles and databases, and a router whose auth file holds the three secrets. */
    private static final class Site implements AutoCloseable {

        private final RouterFixture fixture;
        private final RouterServer router;

        private Site(RouterFixture fixture, RouterServer router) {
            this.fixture = fixture;
            this.router = router;
        }

        static Site start(PostgresCluster.AuthMethod serverMethod) throws Exception {
            RouterFixture fixture = RouterFixture.start(PostgresCluster.Options.defaults().withAuthMethod(serverMethod),
                    cfg -> cfg);
            try {
                String scramVerifier;
                try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
                    s.execute("create database " + MD5_DB);
                    s.execute("create database " + TRUST_DB);
                    // Stored the way this server stores passwords (scram-sha-256 or md5).
                    s.execute("create role " + PLAIN_USER + " login password '" + PLAIN_PASSWORD.replace("'", "''") + "'");
                    s.execute("set password_encryption = 'md5'");
                    s.execute("create role " + MD5_USER + " login password '" + MD5_PASSWORD + "'");
                    s.execute("set password_encryption = 'scram-sha-256'");
                    s.execute("create role " + SCRAM_USER + " login password '" + SCRAM_PASSWORD + "'");
                    scramVerifier = storedSecret(s, SCRAM_USER);
                }
                fixture.addUser(PLAIN_USER, PLAIN_PASSWORD.replace("\"", "\"\""));
                fixture.addUser(MD5_USER, md5Hash(MD5_USER, MD5_PASSWORD));
                fixture.addUser(SCRAM_USER, scramVerifier);

                RouterConfig base = fixture.config();
                RouterConfig config = new RouterConfig(
                        new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                        base.topology(),
                        new RouterConfig.Auth(base.auth().file(), List.of(
                                new RouterConfig.HbaEntry(MD5_DB, "all", "all", "md5"),
                                new RouterConfig.HbaEntry(TRUST_DB, "all", "127.0.0.1/32", "trust"),
                                new RouterConfig.HbaEntry(REJECT_DB, "all", "all", "reject"),
                                new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                        base.pool(), base.limits(), base.routing(), base.server());
                return new Site(fixture, RouterServer.start(config));
            } catch (Exception | Error e) {
                fixture.close();
                throw e;
            }
        }

        int port() {
            return router.port(ListenerRole.PRIMARY);
        }

        String storedSecret(String role) throws SQLException {
            try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
                return storedSecret(s, role);
            }
        }

        private static String storedSecret(Statement s, String role) throws SQLException {
            try (ResultSet rs = s.executeQuery("select rolpassword from pg_authid where rolname = '" + role + "'")) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }

        /**
         * Once every client has given its server connection back: how many the pools hold, and
         * how many client backends PostgreSQL has (not counting the one asking).
         */
        ServerSide serverSide() throws SQLException {
            await().atMost(Duration.ofSeconds(10)).until(() -> router.poolStats().stream()
                    .allMatch(stats -> stats.active() == 0 && stats.waiting() == 0 && stats.total() == stats.idle()));
            int pooled = router.poolStats().stream().mapToInt(PoolStats::total).sum();
            try (Connection c = fixture.connectDirect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity"
                         + " where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
                rs.next();
                return new ServerSide(pooled, rs.getInt(1));
            }
        }

        @Override
        public void close() {
            try {
                router.close();
            } finally {
                fixture.close();
            }
        }
    }
}
