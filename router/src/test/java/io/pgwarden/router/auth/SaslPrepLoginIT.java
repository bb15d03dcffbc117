package io.pgwarden.router.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.FreePorts;
import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.util.PSQLException;

/**
 * Non-ASCII SCRAM passwords through the router and direct, with psql (libpq) and pgjdbc: each
 * spelling of a password logs in through the router exactly when it logs in direct. PostgreSQL
 * and both clients SASLprep the password (NFKC, with mappings) and use the raw bytes where
 * SASLprep refuses; so must the router, as SCRAM server (verifiers it derives from plain passwords
 * in the auth file) and as SCRAM client (its own login to PostgreSQL with that plain password).
 *
 * <p>Every role exists twice: {@code <name>_plain} with its password in the auth file, and
 * {@code <name>_scram} with the verifier PostgreSQL stored. psql reads passwords from a passfile
 * (bytes, whatever this JVM's locale), pgjdbc gets the Java string.
 */
class SaslPrepLoginIT {

    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);
    /** The router trusts clients for this database, so only its own login to PostgreSQL is tested. */
    private static final String TRUST_DB = "trustdb";

    /** A password as stored, and spellings a client may type with whether PostgreSQL takes them. */
    enum Role {
        /** U+2168 ROMAN NUMERAL NINE: NFKC makes it "IX". */
        ROMAN("\u2168-pw", Map.of("\u2168-pw", true, "IX-pw", true, "ix-pw", false)),
        /** Fullwidth letters and a soft hyphen (mapped to nothing): "password". */
        FULLWIDTH("\uFF50\uFF41\uFF53\uFF53\u00ADword", Map.of(
                "\uFF50\uFF41\uFF53\uFF53\u00ADword", true, "password", true, "pass-word", false)),
        /** A private-use character: SASLprep refuses, so the raw bytes count and NFKC does not apply. */
        PROHIBITED("\uFF50w\uE000", Map.of("\uFF50w\uE000", true, "pw\uE000", false));

        final String stored;
        final Map<String, Boolean> attempts;

        Role(String stored, Map<String, Boolean> attempts) {
            this.stored = stored;
            this.attempts = attempts;
        }

        String plainUser() {
            return name().toLowerCase() + "_plain";
        }

        String scramUser() {
            return name().toLowerCase() + "_scram";
        }
    }

    private static RouterFixture fixture;
    private static RouterServer router;
    private static Path passDir;

    @BeforeAll
    @Timeout(120)
    static void start() throws Exception {
        fixture = RouterFixture.start(PostgresCluster.Options.defaults().withReplicas(0)
                .withAuthMethod(PostgresCluster.AuthMethod.SCRAM_SHA_256), cfg -> cfg);
        passDir = Files.createTempDirectory("pgwarden-saslprep-");
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement()) {
            s.execute("create database " + TRUST_DB);
            s.execute("set password_encryption = 'scram-sha-256'");
            for (Role role : Role.values()) {
                for (String user : List.of(role.plainUser(), role.scramUser())) {
                    s.execute("create role " + user + " login password " + literal(role.stored));
                }
                fixture.addUser(role.plainUser(), role.stored);
                try (ResultSet rs = s.executeQuery(
                        "select rolpassword from pg_authid where rolname = '" + role.scramUser() + "'")) {
                    assertThat(rs.next()).isTrue();
                    fixture.addUser(role.scramUser(), rs.getString(1));
                }
            }
        }
        RouterConfig base = fixture.config();
        router = RouterServer.start(new RouterConfig(
                new RouterConfig.Listen("127.0.0.1", FreePorts.next(), FreePorts.next()),
                base.topology(),
                new RouterConfig.Auth(base.auth().file(), List.of(
                        new RouterConfig.HbaEntry(TRUST_DB, "all", "127.0.0.1/32", "trust"),
                        new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"))),
                base.pool(), base.limits(), base.routing(), base.server()));
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (router != null) {
                router.close();
            }
        } finally {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @Timeout(120)
    void eachSpellingLogsInThroughTheRouterExactlyWhenItLogsInDirect(Role role) throws Exception {
        PostgresNode primary = fixture.cluster().primary();
        int routed = router.port(ListenerRole.PRIMARY);
        for (String user : List.of(role.plainUser(), role.scramUser())) {
            for (Map.Entry<String, Boolean> attempt : role.attempts.entrySet()) {
                String password = attempt.getKey();
                boolean expected = attempt.getValue();
                String what = user + " with " + escape(password);

                assertThat(psqlLogsIn(primary.port(), user, password, "postgres")).as("psql direct as %s", what).isEqualTo(expected);
                assertThat(jdbcLogsIn(primary.port(), user, password)).as("pgjdbc direct as %s", what).isEqualTo(expected);
                assertThat(psqlLogsIn(routed, user, password, "postgres")).as("psql through the router as %s", what).isEqualTo(expected);
                assertThat(jdbcLogsIn(routed, user, password)).as("pgjdbc through the router as %s", what).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @Timeout(60)
    void routerLogsInToTheServerWithThePlainPasswordFromTheAuthFile(Role role) throws Exception {
        // The client is trusted; what is tested is the router's SCRAM login to PostgreSQL.
        assertThat(psqlLogsIn(router.port(ListenerRole.PRIMARY), role.plainUser(), "unused", TRUST_DB))
                .as("psql through the router's trust rule as %s", role.plainUser()).isTrue();
    }

    private static boolean psqlLogsIn(int port, String user, String password, String db) throws IOException {
        Path passFile = Files.createTempFile(passDir, "pgpass-", "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // hostname:port:database:username:password; our passwords hold no ':' or '\'.
        Files.writeString(passFile, "*:*:*:*:" + password + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            CommandResult psql = ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", port, user, null,
                    "dbname=" + db + " passfile=" + passFile, "-At", "-c", "select current_user");
            if (psql.succeeded()) {
                assertThat(psql.stdout().strip()).isEqualTo(user);
                return true;
            }
            assertThat(psql.stderr()).as("psql's refusal").contains("password authentication failed for user \"" + user + "\"");
            return false;
        } finally {
            Files.delete(passFile);
        }
    }

    private static boolean jdbcLogsIn(int port, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_user")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(user);
            return true;
        } catch (PSQLException e) {
            assertThat(e.getSQLState()).as("pgjdbc's refusal: %s", e.getMessage()).isEqualTo("28P01");
            return false;
        }
    }

    /** A Unicode-escaped SQL literal, so the statement text itself is ASCII. */
    private static String literal(String text) {
        StringBuilder out = new StringBuilder("U&'");
        text.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7f && cp != '\'' && cp != '\\') {
                out.appendCodePoint(cp);
            } else {
                out.append(String.format("\\+%06X", cp));
            }
        });
        return out.append('\'').toString();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(cp -> out.append(cp < 0x7f ? Character.toString(cp) : String.format("U+%04X", cp)));
        return out.toString();
    }
}
