package io.pgwarden.agent.config;

import static io.pgwarden.agent.config.AgentConfigFiles.REAL_BIN_DIR;
import static io.pgwarden.agent.config.AgentConfigFiles.REMOVED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AgentConfigLoaderTest {

    @TempDir
    Path dir;

    private AgentConfigFiles files;
    private final AgentConfigLoader loader = new AgentConfigLoader();

    @BeforeEach
    void setUp() {
        files = new AgentConfigFiles(dir);
    }

    // ---- defaults and reading ------------------------------------------------------------------

    @Test
    void minimalFileGetsEveryDefault() {
        assumeTrue(Files.isExecutable(REAL_BIN_DIR.resolve("pg_ctl")), "PostgreSQL 15 is not installed here");
        Path file = files.write("node.yml", """
                name: n1
                scope: demo
                postgresql:
                  data_dir: /var/lib/pgwarden/n1
                """);

        AgentConfig config = loader.load(file);

        AgentConfig.Postgresql postgresql = config.postgresql();
        assertThat(config).isEqualTo(new AgentConfig("n1", "demo", null, null, null, null, null,
                new AgentConfig.Postgresql(null, Path.of("/var/lib/pgwarden/n1"), null, null, null, null, null, null,
                        null, null, null, null, null, null),
                null, null, null, null));
        // The defaults the docs promise, spelled out once.
        assertThat(config.namespace()).isEqualTo("/service/");
        assertThat(config.etcd().hosts()).containsExactly("http://127.0.0.1:2379");
        assertThat(List.of(config.ttl(), config.loopWait(), config.retryTimeout())).containsExactly(30, 10, 10);
        assertThat(postgresql.binDir()).isEqualTo(REAL_BIN_DIR);
        assertThat(postgresql.listen()).isEqualTo("127.0.0.1:5432");
        assertThat(postgresql.connectAddress()).isEqualTo("127.0.0.1:5432");
        assertThat(postgresql.rewind()).isEqualTo(postgresql.superuser());
        assertThat(config.restapi().apiUrl()).isEqualTo("http://127.0.0.1:8008/patroni");
        assertThat(config.bootstrap().dcs().synchronousMode()).isEqualTo("off");
        assertThat(config.bootstrap().dcs().ttl()).isNull();
        assertThat(config.watchdog().mode()).isEqualTo("off");
    }

    @Test
    void readsEveryKeyInSnakeCase() {
        Path file = files.write("node.yml", """
                name: db-2
                scope: prod
                namespace: /pg/
                etcd:
                  hosts: [http://127.0.0.1:2379, "http://[::1]:2380"]
                ttl: 20
                loop_wait: 4
                retry_timeout: 8
                postgresql:
                  bin_dir: %s
                  data_dir: /srv/pg
                  listen: 0.0.0.0:6432
                  connect_address: 127.0.0.2:6432
                  parameters: {shared_buffers: 256MB, max_connections: 50}
                  pg_hba: [local all all peer]
                  superuser: {username: admin, password: s}
                  replication: {username: rep}
                  rewind: {username: rew, password: r}
                  os_user: pg
                  primary_start_timeout: 0
                  remove_data_directory_on_rewind_failure: false
                restapi:
                  listen: 127.0.0.1:9008
                  connect_address: 127.0.0.2:9008
                tags:
                  nofailover: true
                  noloadbalance: true
                  clonefrom: true
                  nosync: true
                  failover_priority: 0
                bootstrap:
                  initdb: [encoding=UTF8]
                  dcs:
                    ttl: 40
                    loop_wait: 5
                    retry_timeout: 15
                    maximum_lag_on_failover: 0
                    synchronous_mode: quorum
                    synchronous_mode_strict: true
                    postgresql:
                      use_pg_rewind: true
                      parameters: {wal_keep_size: 1GB}
                watchdog:
                  mode: required
                  device: /dev/watchdog1
                  safety_margin: 2
                """.formatted(files.fakeBinDir()));

        AgentConfig config = loader.load(file);

        assertThat(config).isEqualTo(new AgentConfig("db-2", "prod", "/pg/",
                new AgentConfig.Etcd(List.of("http://127.0.0.1:2379", "http://[::1]:2380")), 20, 4, 8,
                new AgentConfig.Postgresql(files.fakeBinDir(), Path.of("/srv/pg"), "0.0.0.0:6432", "127.0.0.2:6432",
                        Map.of("shared_buffers", "256MB", "max_connections", 50), List.of("local all all peer"),
                        new AgentConfig.User("admin", "s"), new AgentConfig.User("rep", ""),
                        new AgentConfig.User("rew", "r"), "pg", 0, false, null, null),
                new AgentConfig.RestApi("127.0.0.1:9008", "127.0.0.2:9008"),
                new AgentConfig.Tags(true, true, true, true, 0),
                new AgentConfig.Bootstrap(List.of("encoding=UTF8"), new AgentConfig.Dcs(40, 5, 15, 0L, "quorum", true,
                        Map.of("use_pg_rewind", true, "parameters", Map.of("wal_keep_size", "1GB")))),
                new AgentConfig.Watchdog("required", Path.of("/dev/watchdog1"), 2)));
    }

    @Test
    void relativePathsResolveAgainstTheFilesDirectory() {
        Path file = files.write("conf/node.yml", """
                name: n1
                scope: demo
                postgresql:
                  data_dir: data/n1
                  bin_dir: ../bin
                watchdog:
                  device: ./wd
                """);
        files.fakeBinDir();

        AgentConfig config = loader.load(file);

        assertThat(config.postgresql().dataDir()).isEqualTo(dir.resolve("conf/data/n1").toAbsolutePath());
        assertThat(config.postgresql().binDir()).isEqualTo(dir.resolve("bin").toAbsolutePath());
        assertThat(config.watchdog().device()).isEqualTo(dir.resolve("conf/wd").toAbsolutePath());
    }

    @Test
    void relativeDataDirWithoutAFileIsRefused() {
        String yaml = "name: n1\nscope: demo\npostgresql:\n  data_dir: data/n1\n  bin_dir: " + files.fakeBinDir() + "\n";

        assertThatThrownBy(() -> loader.parse(yaml, "inline", null))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageStartingWith("inline: bad value for key 'postgresql.data_dir': must be an absolute path");
    }

    @ParameterizedTest
    @CsvSource({"true, on", "false, off", "on, on", "off, off", "quorum, quorum", "'\"on\"', on"})
    void synchronousModeTakesPatronisWordsAndYamlBooleans(String written, String expected) {
        Path file = files.write("node.yml", """
                name: n1
                scope: demo
                postgresql: {data_dir: /d, bin_dir: %s}
                bootstrap:
                  dcs:
                    synchronous_mode: %s
                """.formatted(files.fakeBinDir(), written));

        assertThat(loader.load(file).bootstrap().dcs().synchronousMode()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "false", "'off'"})
    void watchdogModeOffMayBeWrittenAsYamlFalse(String written) {
        Path file = files.write("node.yml", """
                name: n1
                scope: demo
                postgresql: {data_dir: /d, bin_dir: %s}
                watchdog: {mode: %s}
                """.formatted(files.fakeBinDir(), written));

        assertThat(loader.load(file).watchdog().mode()).isEqualTo("off");
    }

    @Test
    void timingExactlyAtTheLimitIsAccepted() {
        AgentConfig config = loader.load(files.node("ttl", 4, "loop_wait", 2, "retry_timeout", 1,
                "watchdog.safety_margin", 3));

        assertThat(List.of(config.ttl(), config.loopWait(), config.retryTimeout())).containsExactly(4, 2, 1);
    }

    // ---- YAML-level errors ---------------------------------------------------------------------

    @Test
    void unknownNestedKeyIsNamed() {
        Path file = files.node("postgresql.data_dirr", "/x");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(AgentConfigException.class)
                .hasMessage(file + ": unknown key 'postgresql.data_dirr'");
    }

    @Test
    void unknownKeyDeeperDownIsNamed() {
        Path file = files.node("bootstrap.dcs.synchronous", "on");

        assertThatThrownBy(() -> loader.load(file)).hasMessage(file + ": unknown key 'bootstrap.dcs.synchronous'");
    }

    @Test
    void badYamlIsRefusedWithItsPlace() {
        Path file = files.write("node.yml", "name: n1\nscope: 'demo\n");

        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageStartingWith(file + ": not valid YAML (line ");
    }

    @Test
    void repeatedKeyIsRefused() {
        Path file = files.write("node.yml", "name: n1\nscope: demo\nname: n2\n");

        assertThatThrownBy(() -> loader.load(file))
                .hasMessageStartingWith(file + ": not valid YAML")
                .hasMessageContaining("'name'");
    }

    @Test
    void topLevelMustBeAMapping() {
        Path file = files.write("node.yml", "- name: n1\n");

        assertThatThrownBy(() -> loader.load(file))
                .hasMessageStartingWith(file + ": expected a mapping of keys at the top level");
    }

    @Test
    void emptyFileLacksTheRequiredName() {
        Path file = files.write("node.yml", "# nothing yet\n");

        refused(file, "name").hasMessageEndingWith("is required");
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent.yml");

        assertThatThrownBy(() -> loader.load(file)).hasMessageStartingWith(file + ": cannot read the config file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"30.5", "thirty", "[30]"})
    void nonIntegerTtlIsRefused(String written) {
        Path file = files.write("node.yml", "name: n1\nscope: demo\nttl: " + written + "\n");

        refused(file, "ttl");
    }

    // ---- one rule each -------------------------------------------------------------------------

    @Test
    void nameIsRequired() {
        refused(files.node("name", REMOVED), "name").hasMessageEndingWith("is required");
    }

    @Test
    void nameHasNoSlash() {
        refused(files.node("name", "a/b"), "name").hasMessageContaining("must not contain '/'");
    }

    @Test
    void scopeIsRequired() {
        refused(files.node("scope", " "), "scope").hasMessageEndingWith("is required");
    }

    @Test
    void scopeHasNoSlash() {
        refused(files.node("scope", "x/y"), "scope").hasMessageContaining("must not contain '/'");
    }

    @Test
    void etcdNeedsAHost() {
        refused(files.node("etcd.hosts", List.of()), "etcd.hosts").hasMessageContaining("at least one");
    }

    @Test
    void etcdEndpointsShareOneProtocol() {
        refused(files.node("etcd.hosts", List.of("http://127.0.0.1:2379", "https://127.0.0.1:2379")), "etcd.hosts[1]")
                .hasMessageContaining("all endpoints must use the same protocol");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://127.0.0.1:2379", "http://127.0.0.1:0", "http://127.0.0.1:2379/v3", "http://:2379",
            "http://127.0.0.1:70000"})
    void etcdHostIsHttpHostPort(String url) {
        refused(files.node("etcd.hosts", List.of(url)), "etcd.hosts[0]")
                .hasMessageContaining("must be http://host:port, https://host:port or host:port");
    }

    @Test
    void ttlHasAMinimum() {
        refused(files.node("ttl", 3, "loop_wait", 1, "retry_timeout", 1), "ttl").hasMessageContaining("at least 4, got 3");
    }

    @Test
    void loopWaitHasAMinimum() {
        refused(files.node("loop_wait", 0), "loop_wait").hasMessageContaining("at least 1, got 0");
    }

    @Test
    void retryTimeoutHasAMinimum() {
        refused(files.node("retry_timeout", 0), "retry_timeout").hasMessageContaining("at least 1, got 0");
    }

    @Test
    void leaderMustBeAbleToRetryWithinTheTtl() {
        refused(files.node("ttl", 29, "loop_wait", 10, "retry_timeout", 10), "ttl")
                .hasMessageContaining("loop_wait 10 + 2 * retry_timeout 10 = 30 > ttl 29");
    }

    @Test
    void bootstrapTimingFollowsTheSameRuleWithTopLevelFallbacks() {
        refused(files.node("ttl", 40, "retry_timeout", 15, "bootstrap.dcs.ttl", 30), "bootstrap.dcs.ttl")
                .hasMessageContaining("loop_wait 10 + 2 * retry_timeout 15 = 40 > ttl 30")
                .hasMessageContaining("taken from the top level: loop_wait, retry_timeout");
    }

    @Test
    void bootstrapTimingHasTheMinimumsToo() {
        refused(files.node("bootstrap.dcs.loop_wait", 0), "bootstrap.dcs.loop_wait").hasMessageContaining("at least 1");
    }

    @Test
    void dataDirIsRequired() {
        refused(files.node("postgresql.data_dir", REMOVED), "postgresql.data_dir").hasMessageEndingWith("is required");
    }

    @Test
    void binDirMustHoldPgCtl() {
        refused(files.node("postgresql.bin_dir", dir.resolve("nowhere").toString()), "postgresql.bin_dir")
                .hasMessageContaining("pg_ctl is missing or not executable");
    }

    @Test
    void binDirPgCtlMustBeExecutable() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(bin.resolve("pg_ctl"), "");
        Files.setPosixFilePermissions(bin.resolve("pg_ctl"), PosixFilePermissions.fromString("rw-r--r--"));

        refused(files.node("postgresql.bin_dir", bin.toString()), "postgresql.bin_dir")
                .hasMessageContaining("not executable");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":5432", "127.0.0.1:x"})
    void postgresqlListenIsHostPort(String value) {
        refused(files.node("postgresql.listen", value), "postgresql.listen");
    }

    @Test
    void postgresqlConnectAddressIsHostPort() {
        refused(files.node("postgresql.connect_address", "db1"), "postgresql.connect_address");
    }

    @Test
    void connectAddressDefaultingToAWildcardListenIsRefused() {
        refused(files.node("postgresql.listen", "0.0.0.0:5432"), "postgresql.connect_address")
                .hasMessageContaining("not the wildcard");
    }

    @Test
    void restapiListenIsHostPort() {
        refused(files.node("restapi.listen", "8008"), "restapi.listen");
    }

    @Test
    void restapiConnectAddressIsHostPort() {
        refused(files.node("restapi.connect_address", "127.0.0.1:"), "restapi.connect_address");
    }

    @Test
    void synchronousModeIsOneOfThree() {
        refused(files.node("bootstrap.dcs.synchronous_mode", "sometimes"), "bootstrap.dcs.synchronous_mode")
                .hasMessageContaining("'sometimes'");
    }

    @Test
    void maximumLagOnFailoverIsNotNegative() {
        refused(files.node("bootstrap.dcs.maximum_lag_on_failover", -1), "bootstrap.dcs.maximum_lag_on_failover");
    }

    @Test
    void watchdogModeIsOneOfThree() {
        refused(files.node("watchdog.mode", "auto"), "watchdog.mode").hasMessageContaining("'auto'");
    }

    @Test
    void watchdogSafetyMarginIsNotNegative() {
        refused(files.node("watchdog.safety_margin", -1), "watchdog.safety_margin").hasMessageContaining("at least 0");
    }

    @Test
    void watchdogSafetyMarginFitsInsideTheTtl() {
        refused(files.node("watchdog.safety_margin", 30), "watchdog.safety_margin")
                .hasMessageContaining("less than ttl 30, got 30");
    }

    @Test
    void watchdogSafetyMarginFitsInsideTheBootstrapTtl() {
        refused(files.node("watchdog.safety_margin", 12, "bootstrap.dcs.ttl", 12, "bootstrap.dcs.loop_wait", 2,
                "bootstrap.dcs.retry_timeout", 5), "watchdog.safety_margin")
                .hasMessageContaining("less than bootstrap.dcs.ttl 12");
    }

    @Test
    void failoverPriorityIsNotNegative() {
        refused(files.node("tags.failover_priority", -1), "tags.failover_priority");
    }

    @Test
    void primaryStartTimeoutIsNotNegative() {
        refused(files.node("postgresql.primary_start_timeout", -1), "postgresql.primary_start_timeout");
    }

    @Test
    void userNeedsAUsername() {
        refused(files.node("postgresql.superuser", Map.of("username", "", "password", "x")),
                "postgresql.superuser.username").hasMessageContaining("must not be empty");
    }

    @Test
    void userWithoutAUsernameKeyIsNamed() {
        refused(files.node("postgresql.replication", Map.of("password", "x")), "postgresql.replication.username")
                .hasMessageEndingWith("is required");
    }

    @Test
    void parameterValuesAreScalars() {
        refused(files.node("postgresql.parameters", Map.of("shared_preload_libraries", List.of("a", "b"))),
                "postgresql.parameters.shared_preload_libraries").hasMessageContaining("not a list or a mapping");
    }

    @ParameterizedTest
    @ValueSource(strings = {"listen_addresses", "port", "hba_file", "primary_conninfo", "primary_slot_name",
            "synchronous_standby_names", "PORT"})
    void parametersTheAgentOwnsAreRefused(String name) {
        refused(files.node("postgresql.parameters", Map.of(name, "1")), "postgresql.parameters." + name)
                .hasMessageContaining("is set by the agent");
    }

    @Test
    void bootstrapParametersTheAgentOwnsAreRefused() {
        refused(files.node("bootstrap.dcs.postgresql", Map.of("parameters", Map.of("primary_conninfo", "host=x"))),
                "bootstrap.dcs.postgresql.parameters.primary_conninfo").hasMessageContaining("is set by the agent");
    }

    // ---- the shipped examples ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"node1.yml", "node2.yml", "node3.yml"})
    void exampleFilesLoad(String name) {
        assumeTrue(Files.isExecutable(REAL_BIN_DIR.resolve("pg_ctl")), "PostgreSQL 15 is not installed here");
        Path file = Path.of("..", "conf", name);

        AgentConfig config = loader.load(file);

        String node = name.replace(".yml", "");
        int n = Integer.parseInt(node.substring(4));
        assertThat(config.name()).isEqualTo(node);
        assertThat(config.scope()).isEqualTo("demo");
        assertThat(config.etcd().hosts()).containsExactly("http://127.0.0.1:2379");
        assertThat(config.postgresql().dataDir()).isEqualTo(Path.of("/var/lib/pgwarden", node));
        assertThat(config.postgresql().listen()).isEqualTo("127.0.0.1:" + (5431 + n));
        assertThat(config.postgresql().connectAddress()).isEqualTo("127.0.0.1:" + (5431 + n));
        assertThat(config.restapi().listen()).isEqualTo("127.0.0.1:" + (8007 + n));
        assertThat(config.restapi().connectAddress()).isEqualTo("127.0.0.1:" + (8007 + n));
    }

    @Test
    void node1ShowsTheDefaults() {
        assumeTrue(Files.isExecutable(REAL_BIN_DIR.resolve("pg_ctl")), "PostgreSQL 15 is not installed here");

        AgentConfig node1 = loader.load(Path.of("..", "conf", "node1.yml"));

        // Everything at the model's defaults but the node's own keys and the explicit bootstrap timing.
        assertThat(node1).isEqualTo(new AgentConfig("node1", "demo", null, null, null, null, null,
                new AgentConfig.Postgresql(null, Path.of("/var/lib/pgwarden/node1"), null, null, null, null, null,
                        null, null, null, null, null, null, null),
                null, null,
                new AgentConfig.Bootstrap(null, new AgentConfig.Dcs(30, 10, 10, null, null, null,
                        Map.of("parameters", Map.of()))),
                null));
    }

    /** Asserts the load fails naming the file and {@code key}; returns the message for further checks. */
    private AbstractThrowableAssert<?, ? extends Throwable> refused(Path file, String key) {
        return assertThatThrownBy(() -> loader.load(file))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageStartingWith(file + ": bad value for key '" + key + "': ");
    }
}
