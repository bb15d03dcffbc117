package io.pgwarden.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final String MEMBERS = ConfigTestFiles.ONE_PRIMARY;

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void readsEveryKey() throws IOException {
        Files.writeString(dir.resolve("userlist.txt"), "\"alice\" \"secret\"\n");
        Path file = write("router.yml", """
                listen:
                  host: 0.0.0.0
                  primary_port: 6432
                  replica_port: 6433
                topology:
                  cluster: prod
                  members:
                    - name: pg0
                      host: 10.0.0.1
                      port: 5433
                      role: primary
                    - name: pg1
                      host: 10.0.0.2
                auth:
                  file: userlist.txt
                  hba:
                    - database: app,reports
                      user: alice
                      address: 10.0.0.0/8
                      method: md5
                    - method: reject
                pool:
                  mode: session
                  min_size: 2
                  max_size: 7
                  idle_timeout: 90s
                  max_lifetime: 2h
                  pool_timeout: 250ms
                  reset_query: ""
                limits:
                  max_client_conn: 50
                  max_user_connections: 5
                  max_message_size: 16MB
                  auth_timeout: 1m
                routing:
                  replica_fallback_to_primary: true
                server:
                  connect_timeout: 3
                """);

        RouterConfig config = loader.load(file);

        assertThat(config.listen()).isEqualTo(new RouterConfig.Listen("0.0.0.0", 6432, 6433));
        assertThat(config.topology().cluster()).isEqualTo("prod");
        assertThat(config.topology().members()).containsExactly(
                new RouterConfig.Member("pg0", "10.0.0.1", 5433, "primary"),
                new RouterConfig.Member("pg1", "10.0.0.2", 5432, "replica"));
        assertThat(config.auth().file()).isEqualTo(dir.resolve("userlist.txt").toAbsolutePath());
        assertThat(config.auth().hba()).containsExactly(
                new RouterConfig.HbaEntry("app,reports", "alice", "10.0.0.0/8", "md5"),
                new RouterConfig.HbaEntry("all", "all", "all", "reject"));
        assertThat(config.pool()).isEqualTo(new RouterConfig.Pool("session", 2, 7, Duration.ofSeconds(90),
                Duration.ofHours(2), Duration.ofMillis(250), ""));
        assertThat(config.limits()).isEqualTo(new RouterConfig.Limits(50, 5, new DataSize(16L * 1024 * 1024),
                Duration.ofMinutes(1)));
        assertThat(config.routing().replicaFallbackToPrimary()).isTrue();
        assertThat(config.server().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void omittedKeysTakeTheirDefaults() throws IOException {
        RouterConfig config = loader.load(write("router.yml", MEMBERS));

        assertThat(config.listen()).isEqualTo(new RouterConfig.Listen("127.0.0.1", 5000, 5001));
        assertThat(config.topology().cluster()).isEqualTo("pgwarden");
        assertThat(config.topology().members()).containsExactly(new RouterConfig.Member("pg0", "127.0.0.1", 5432, "primary"));
        assertThat(config.auth().file()).isNull();
        assertThat(config.auth().hba()).containsExactly(new RouterConfig.HbaEntry("all", "all", "all", "scram-sha-256"));
        assertThat(config.pool()).isEqualTo(new RouterConfig.Pool("session", 0, 20, Duration.ofMinutes(10),
                Duration.ofHours(1), Duration.ofSeconds(30), "DISCARD ALL"));
        assertThat(config.limits()).isEqualTo(new RouterConfig.Limits(1000, 0, new DataSize(64L * 1024 * 1024),
                Duration.ofSeconds(60)));
        assertThat(config.routing().replicaFallbackToPrimary()).isFalse();
        assertThat(config.server().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void emptySectionsTakeTheirDefaults() throws IOException {
        RouterConfig config = loader.load(write("router.yml", MEMBERS + "pool:\nlimits:\n"));

        assertThat(config.pool().maxSize()).isEqualTo(20);
        assertThat(config.limits().maxClientConn()).isEqualTo(1000);
    }

    @Test
    void emptyFileGivesDefaultsButStillNeedsAPrimary() throws IOException {
        // docs/configuration.md: every key has a default, except that topology.members must name a primary.
        Path file = write("empty.yml", "");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContaining("'topology.members'");

        // The empty text itself parses to the all-defaults config; only validation stops it.
        assertThat(new RouterConfig(null, null, null, null, null, null, null).pool().maxSize()).isEqualTo(20);
    }

    @Test
    void commentOnlyFileIsTreatedAsEmpty() throws IOException {
        Path file = write("comments.yml", "# nothing here yet\n#pool:\n#  max_size: 5\n");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContaining("'topology.members'");
    }

    @Test
    void parseOfEmptyTextGivesDefaultsUpToValidation() {
        assertThatThrownBy(() -> loader.parse("   \n", "inline", null))
                .isInstanceOf(ConfigException.class)
                .hasMessage("inline: bad value for key 'topology.members': list at least the primary (or set dcs.etcd)");

        RouterConfig config = loader.parse("# only members\n" + MEMBERS, "inline", null);
        assertThat(config.pool().maxSize()).isEqualTo(20);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            pool:\\n  maxsize: 5                           | pool.maxsize
            listen:\\n  port: 5000                         | listen.port
            colour: blue                                   | colour
            auth:\\n  hba:\\n    - method: md5\\n      users: all | auth.hba[0].users
            """)
    void unknownKeyIsNamedWithItsPath(String yaml, String key) throws IOException {
        Path file = write("router.yml", MEMBERS + yaml.replace("\\n", "\n"));

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": unknown key '" + key + "'");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            pool:\\n  pool_timeout: 5 parsecs                 | pool.pool_timeout            | 5 parsecs
            pool:\\n  idle_timeout: -1s                       | pool.idle_timeout            | -1s
            pool:\\n  pool_timeout: 0ms                       | pool.pool_timeout            | longer than zero
            server:\\n  connect_timeout: soon                 | server.connect_timeout       | soon
            limits:\\n  max_message_size: 12 parsecs          | limits.max_message_size      | 12 parsecs
            limits:\\n  max_message_size: 100                 | limits.max_message_size      | between 1kB and 1GB
            limits:\\n  max_message_size: 2GB                 | limits.max_message_size      | between 1kB and 1GB
            limits:\\n  max_client_conn: 0                    | limits.max_client_conn       | at least 1
            limits:\\n  max_client_conn: many                 | limits.max_client_conn       | many
            listen:\\n  primary_port: 70000                   | listen.primary_port          | 70000
            listen:\\n  primary_port: 0                       | listen.primary_port          | 1-65535
            listen:\\n  replica_port: http                    | listen.replica_port          | http
            listen:\\n  transport: kqueue                     | listen.transport             | auto, io_uring, epoll, nio
            listen:\\n  transport: IO_URING                   | listen.transport             | IO_URING
            listen:\\n  primary_port: 6000\\n  replica_port: 6000 | listen.replica_port       | must differ
            pool:\\n  mode: statement                         | pool.mode                    | statement
            pool:\\n  max_size: 0                             | pool.max_size                | at least 1
            pool:\\n  min_size: 30                            | pool.min_size                | between 0 and pool.max_size
            auth:\\n  hba:\\n    - method: password             | auth.hba[0]                | password
            auth:\\n  hba:\\n    - method: md5\\n    - address: example.com | auth.hba[1]      | example.com
            auth:\\n  hba:\\n    - address: 10.0.0.0/33          | auth.hba[0]                | 10.0.0.0/33
            auth:\\n  file: missing.txt                       | auth.file                    | missing.txt
            """)
    void badValueIsNamedWithItsKeyAndFile(String yaml, String key, String detail) throws IOException {
        Path file = write("router.yml", MEMBERS + yaml.replace("\\n", "\n"));

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": bad value for key '" + key + "': ")
                .hasMessageContaining(detail);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            - name: pg0\\n    role: leader                              | topology.members[0].role | leader
            - name: pg0\\n    role: primary\\n  - name: pg1\\n    port: 99999 | topology.members[1].port | 99999
            - name: pg0\\n    role: primary\\n  - role: replica            | topology.members[1].name | required
            - name: pg0\\n  - name: pg1                                 | topology.members         | found 0
            - name: pg0\\n    role: primary\\n  - name: pg0                | topology.members         | unique
            - name: pg0\\n    role: primary\\n  - name: pg1\\n    role: primary | topology.members  | found 2
            """)
    void badMemberIsNamedWithItsIndex(String members, String key, String detail) throws IOException {
        Path file = write("router.yml", "topology:\n  members:\n  " + members.replace("\\n", "\n"));

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": bad value for key '" + key + "': ")
                .hasMessageContaining(detail);
    }

    @Test
    void malformedYamlNamesTheFile() throws IOException {
        Path file = write("router.yml", "@reserved: 1\n"); // '@' cannot start a YAML token

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": not valid YAML");
    }

    @Test
    void missingFileNamesTheFile() {
        Path file = dir.resolve("nowhere.yml");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": cannot read the config file");
    }

    @Test
    void relativeAuthFileResolvesAgainstTheConfigFolder() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(sub.resolve("users.txt"), "");
        Path file = sub.resolve("router.yml");
        Files.writeString(file, MEMBERS + "auth:\n  file: users.txt\n");

        assertThat(loader.load(file).auth().file()).isEqualTo(sub.resolve("users.txt").toAbsolutePath());
    }

    @Test
    void hbaRulesKeepTheirOrder() throws IOException {
        Path file = write("router.yml", MEMBERS + """
                auth:
                  hba:
                    - user: admin
                      method: reject
                    - address: 127.0.0.1
                      method: trust
                    - {}
                """);

        assertThat(loader.load(file).auth().hba()).extracting(RouterConfig.HbaEntry::method)
                .isEqualTo(List.of("reject", "trust", "scram-sha-256"));
    }

    private Path write(String name, String yaml) throws IOException {
        return ConfigTestFiles.write(dir, name, yaml);
    }

    @Test
    void anIsolationTimeoutNotSafelyBelowTheTtlIsRefused() {
        String yaml = "dcs:\n  etcd: [http://127.0.0.1:2379]\n  scope: demo\n  isolation_timeout: 9s\n  ttl: 10s\n";
        assertThatThrownBy(() -> loader.parse(yaml, "inline", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("inline: bad value for key 'dcs.isolation_timeout': ")
                .hasMessageContaining("TTL");
    }

    @Test
    void etcdWithoutAScopeIsRefusedAndAValidDcsSectionLoads() {
        assertThatThrownBy(() -> loader.parse("dcs:\n  etcd: [http://127.0.0.1:2379]\n", "inline", null))
                .hasMessageContaining("'dcs.scope'");
        RouterConfig config = loader.parse(
                "dcs:\n  etcd: [http://127.0.0.1:2379]\n  scope: demo\n  isolation_timeout: 5s\n  ttl: 10s\n", "inline", null);
        assertThat(config.dcs().enabled()).isTrue();
        assertThat(config.dcs().namespace()).isEqualTo("/service/");
    }
}
