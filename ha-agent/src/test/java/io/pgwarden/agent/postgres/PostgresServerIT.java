package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.discovery.patroni.Lsn;
import io.pgwarden.local.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * One cluster's life on real PostgreSQL 15: bootstrap, a clone streaming through its slot,
 * synchronous replication, a promotion onto timeline 2, the old primary rewound to follow the new
 * one, and a re-clone. The steps build on each other, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class PostgresServerIT {

    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final Duration PG_TIMEOUT = Duration.ofSeconds(60);
    private static final String HOST = "127.0.0.1";
    private static final List<String> INITDB = List.of("data-checksums", "encoding=UTF8", "no-sync");
    /** Awkward on purpose: a colon, a quote and a backslash test every layer of quoting. */
    private static final AgentConfig.User SUPERUSER = new AgentConfig.User("postgres", "su'pw");
    private static final AgentConfig.User REPLICATION = new AgentConfig.User("replicator", "rep:pw'\\x");
    private static final AgentConfig.User REWIND = new AgentConfig.User("rewinder", "rw pw");
    /** Cluster-wide parameters; the node's own work_mem must win over the cluster's. */
    private static final Map<String, Object> CLUSTER = Map.of("max_connections", 30, "work_mem", "8MB");

    private Path root;
    private int port1;
    private int port2;
    private PostgresServer node1;
    private PostgresServer node2;
    private final List<PostgresServer> servers = new ArrayList<>();

    @BeforeAll
    void createServers() throws IOException {
        // Below /tmp, which the postgres OS user can traverse; the servers create their own 0700 dirs inside.
        root = Files.createTempDirectory(Path.of("/tmp"), "pgwarden-postgres-it-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        port1 = FreePorts.next();
        port2 = FreePorts.next();
        node1 = server("node1", port1);
        node2 = server("node2", port2);
    }

    private PostgresServer server(String name, int port) {
        Map<String, Object> nodeParameters = new LinkedHashMap<>();
        nodeParameters.put("shared_buffers", "16MB");
        nodeParameters.put("work_mem", "16MB");
        AgentConfig.Postgresql config = new AgentConfig.Postgresql(BIN, root.resolve(name).resolve("data"),
                HOST + ":" + port, null, nodeParameters, null, SUPERUSER, REPLICATION, REWIND, "postgres",
                null, null, null, null);
        PostgresServer server = new PostgresServer(config, name);
        servers.add(server);
        return server;
    }

    @AfterAll
    void removeServers() throws IOException {
        for (PostgresServer server : servers) {
            try {
                server.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                server.postmasterPid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
        }
        if (root != null) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    @Order(1)
    void bootstrappedPrimaryRunsOnTimeline1WithTheAgentsSettings() throws SQLException, IOException {
        node1.initdb(INITDB);
        assertThat(node1.hasDataDirectory()).isTrue();
        assertThat(node1.controlData().state()).isEqualTo("shut down");
        assertThat(Files.getPosixFilePermissions(node1.dataDirectory())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getOwner(node1.dataDirectory()).getName()).isEqualTo(OsUser.jvmIsRoot() ? "postgres" : System.getProperty("user.name"));

        node1.configure(CLUSTER);
        node1.start(PG_TIMEOUT);
        assertThat(node1.isRunning()).isTrue();
        node1.createUsers();
        node1.createUsers(); // idempotent

        PostgresState state = node1.state().orElseThrow();
        assertThat(state.inRecovery()).isFalse();
        assertThat(state.timeline()).isEqualTo(1);
        assertThat(state.walLsn()).isPositive();
        assertThat(state.serverVersionNum()).isBetween(150000, 159999);
        assertThat(state.replicationState()).isNull();
        try (Connection c = connect(port1)) {
            assertThat(query(c, "SHOW max_connections")).isEqualTo("30");
            assertThat(query(c, "SHOW work_mem")).isEqualTo("16MB");
            assertThat(query(c, "SHOW wal_log_hints")).isEqualTo("on");
            assertThat(query(c, "SHOW data_checksums")).isEqualTo("on");
            assertThat(query(c, "SELECT system_identifier::text FROM pg_control_system()")).isEqualTo(node1.systemIdentifier());
            assertThat(query(c, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"
                    + " WHERE rolname IN ('replicator', 'rewinder') AND rolcanlogin"))
                    .isEqualTo("replicator,rewinder");
            assertThat(query(c, "SELECT rolreplication::text FROM pg_roles WHERE rolname = 'replicator'")).isEqualTo("true");
            exec(c, "CREATE TABLE t (id int PRIMARY KEY, at text)");
            exec(c, "INSERT INTO t VALUES (1, 'node1 before the clone')");
        }
        // The rewind user can call what pg_rewind needs, with its own password.
        try (Connection c = DriverManager.getConnection(url(port1), REWIND.username(), REWIND.password())) {
            assertThat(query(c, "SELECT count(*) FROM pg_ls_dir('.', false, false) AS f WHERE f = 'PG_VERSION'")).isEqualTo("1");
            assertThat(query(c, "SELECT length(pg_read_binary_file('PG_VERSION', 0, 2, false))")).isEqualTo("2");
        }
    }

    @Test
    @Order(2)
    void cloneStreamsFromThePrimaryThroughItsSlot() throws SQLException {
        String slot = PostgresServer.slotName("node2");
        node1.createPhysicalSlot(slot);
        node1.createPhysicalSlot(slot); // exists: fine
        assertThat(node1.physicalSlots()).containsExactly(slot);

        node2.basebackup(HOST, port1);
        node2.configure(CLUSTER);
        node2.configureStandby(HOST, port1, true);
        node2.start(PG_TIMEOUT);
        assertThat(node2.systemIdentifier()).isEqualTo(node1.systemIdentifier());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(node1.replication())
                .singleElement()
                .satisfies(row -> {
                    assertThat(row.applicationName()).isEqualTo("node2");
                    assertThat(row.usename()).isEqualTo("replicator");
                    assertThat(row.clientAddr()).isEqualTo(HOST);
                    assertThat(row.state()).isEqualTo("streaming");
                    assertThat(row.syncState()).isEqualTo("async");
                }));
        try (Connection c = connect(port1)) {
            assertThat(query(c, "SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")).isEqualTo("true");
        }
        PostgresState standby = node2.state().orElseThrow();
        assertThat(standby.inRecovery()).isTrue();
        assertThat(standby.timeline()).isEqualTo(1);
        assertThat(standby.replicationState()).isEqualTo("streaming");
        assertThat(standby.receiveLsn()).isNotNull();
        assertThat(standby.walLsn()).isEqualTo(Math.max(standby.receiveLsn(), standby.replayLsn()));
        assertThat(standby.replayed()).as("IDENTIFY_SYSTEM as the replication user").isNotNull();
        assertThat(standby.replayed().timeline()).isEqualTo(1);
        try (Connection c = connect(port2)) {
            assertThat(query(c, "SELECT at FROM t WHERE id = 1")).isEqualTo("node1 before the clone");
            assertThat(query(c, "SHOW port")).isEqualTo(String.valueOf(port2));
        }
    }

    @Test
    @Order(3)
    void synchronousStandbyNamesMakeTheStandbySynchronous() throws SQLException {
        node1.setSynchronousStandbyNames("node2");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(node1.replication()).singleElement().extracting(ReplicationRow::syncState).isEqualTo("sync"));
        try (Connection c = connect(port1)) {
            exec(c, "INSERT INTO t VALUES (2, 'committed synchronously')");
        }
        node1.setSynchronousStandbyNames("");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(node1.replication()).singleElement().extracting(ReplicationRow::syncState).isEqualTo("async"));
    }

    @Test
    @Order(4)
    void promotedStandbyMovesToTimeline2() throws SQLException {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (Connection c = connect(port2)) {
                assertThat(query(c, "SELECT count(*) FROM t")).isEqualTo("2");
            }
        });
        node2.promote(PG_TIMEOUT);
        node2.configurePrimary();
        PostgresState state = node2.state().orElseThrow();
        assertThat(state.inRecovery()).isFalse();
        assertThat(state.timeline()).isEqualTo(2);
        assertThat(state.receiveLsn()).isNull();
        try (Connection c = connect(port2)) {
            exec(c, "INSERT INTO t VALUES (3, 'node2 on timeline 2')");
        }
        // The old primary goes on alone for a moment, so its history forks from node2's.
        try (Connection c = connect(port1)) {
            exec(c, "INSERT INTO t VALUES (4, 'node1 lost on timeline 1')");
        }
    }

    @Test
    @Order(5)
    void oldPrimaryRewindsAndFollowsTheNewOne() throws SQLException, IOException {
        ControlFile controlFile = new ControlFile(root.resolve("node1").resolve("data"));
        assertThat(controlFile.read()).hasValueSatisfying(c -> assertThat(c.shutDown()).isFalse());
        long shutdownCheckpoint = node1.shutDownForSwitchover(PG_TIMEOUT);
        node1.awaitStopped(PG_TIMEOUT);
        assertThat(node1.isRunning()).isFalse();
        assertThat(node1.postmasterPid()).isEmpty();
        assertThat(node1.state()).isEmpty();
        ControlData stopped = node1.controlData();
        assertThat(stopped.state()).isEqualTo("shut down");
        assertThat(stopped.checkpointTimeline()).isEqualTo(1);
        // pg_control read directly agrees with pg_controldata (a wrong offset or CRC reads nothing)
        assertThat(shutdownCheckpoint).isEqualTo(stopped.checkpointLsn());
        assertThat(controlFile.read()).hasValueSatisfying(c -> {
            assertThat(c.shutDown()).isTrue();
            assertThat(c.checkpoint()).isEqualTo(stopped.checkpointLsn());
        });

        node2.createPhysicalSlot(PostgresServer.slotName("node1"));
        // Started as node2's standby without a rewind, node1 fetches timeline 2's history but cannot
        // follow: its WAL went past the fork. Only the server itself says its replay is still on 1.
        node1.configureStandby(HOST, port2, true);
        node1.start(PG_TIMEOUT);
        Path history = root.resolve("node1").resolve("data").resolve("pg_wal").resolve("00000002.history");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(history));
        long fork = Lsn.parse(Files.readString(history).strip().split("\\s+")[1]);
        PostgresState diverged = node1.state().orElseThrow();
        assertThat(diverged.timeline()).as("named after the newest history file").isEqualTo(2);
        assertThat(diverged.replayed()).isNotNull();
        assertThat(diverged.replayed().timeline()).isEqualTo(1);
        assertThat(diverged.replayed().lsn()).isGreaterThan(fork);
        node1.stop(StopMode.FAST, PG_TIMEOUT);

        node1.prepareRewindSource(HOST, port2);
        try (Connection c = connect(port2)) {
            assertThat(query(c, "SELECT timeline_id::text FROM pg_control_checkpoint()"))
                    .as("pg_rewind reads the source's timeline from its pg_control").isEqualTo("2");
        }
        RewindResult rewind = node1.rewind(HOST, port2);
        assertThat(rewind.succeeded()).as(rewind.output()).isTrue();
        node1.configureStandby(HOST, port2, true);
        node1.start(PG_TIMEOUT);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(node2.replication())
                .singleElement()
                .satisfies(row -> {
                    assertThat(row.applicationName()).isEqualTo("node1");
                    assertThat(row.state()).isEqualTo("streaming");
                }));
        PostgresState state = node1.state().orElseThrow();
        assertThat(state.inRecovery()).isTrue();
        assertThat(state.timeline()).isEqualTo(2);
        assertThat(state.replicationState()).isEqualTo("streaming");
        assertThat(state.replayed().timeline()).isEqualTo(2);
        try (Connection c = connect(port1)) {
            // Its own configuration survived pg_rewind, which copies the source's files.
            assertThat(query(c, "SHOW port")).isEqualTo(String.valueOf(port1));
            assertThat(query(c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")).isEqualTo("1,2,3");
        }

        node2.setSynchronousStandbyNames("node1");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(node2.replication()).singleElement().extracting(ReplicationRow::syncState).isEqualTo("sync"));
        node2.setSynchronousStandbyNames("");
    }

    @Test
    @Order(6)
    void standbyIsReclonedAfterItsDataDirectoryIsRemoved() throws SQLException, IOException {
        node1.stop(StopMode.IMMEDIATE, PG_TIMEOUT);
        node1.removeDataDirectory();
        assertThat(node1.hasDataDirectory()).isFalse();
        try (Stream<Path> entries = Files.list(node1.dataDirectory())) {
            assertThat(entries).isEmpty();
        }
        assertThat(Files.getPosixFilePermissions(node1.dataDirectory())).isEqualTo(PosixFilePermissions.fromString("rwx------"));

        node1.basebackup(HOST, port2);
        node1.configure(CLUSTER);
        node1.configureStandby(HOST, port2, false);
        node1.start(PG_TIMEOUT);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(node1.state()).hasValueSatisfying(s -> assertThat(s.replicationState()).isEqualTo("streaming")));
        try (Connection c = connect(port2)) {
            exec(c, "INSERT INTO t VALUES (5, 'after the re-clone')");
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (Connection c = connect(port1)) {
                assertThat(query(c, "SELECT count(*) FROM t WHERE id = 5")).isEqualTo("1");
            }
        });
        node2.createPhysicalSlot("spare");
        node2.dropSlot("spare");
        node2.dropSlot("spare"); // gone: fine
        assertThat(node2.physicalSlots()).containsExactly("node1");
    }

    @Test
    @Order(7)
    void startThatFailsQuotesTheServerLog() {
        node1.stop(StopMode.FAST, PG_TIMEOUT);
        node1.configure(Map.of("max_connections", "lots"));
        assertThatThrownBy(() -> node1.start(PG_TIMEOUT))
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("pg_ctl start")
                .hasMessageContaining("max_connections");
        assertThat(node1.isRunning()).isFalse();

        node1.configure(CLUSTER);
        node1.start(PG_TIMEOUT);
        assertThat(node1.state()).hasValueSatisfying(s -> assertThat(s.inRecovery()).isTrue());
    }

    private static String url(int port) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/postgres?connectTimeout=5&socketTimeout=30";
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(url(port), SUPERUSER.username(), SUPERUSER.password());
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

}
