package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** One real three-member Patroni cluster for the whole class; the last test closes it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(60)
class PatroniClusterIT {

    private PatroniCluster cluster;

    @BeforeAll
    void startCluster() {
        cluster = PatroniCluster.start(PatroniCluster.Options.defaults());
    }

    @AfterAll
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void membersHaveTheirOwnPortsFilesAndProcesses() {
        assertThat(cluster.nodes()).extracting(PatroniNode::name).containsExactly("pg0", "pg1", "pg2");
        List<Integer> ports = new ArrayList<>();
        cluster.nodes().forEach(n -> {
            ports.add(n.pgPort());
            ports.add(n.restPort());
        });
        ports.add(cluster.etcd().clientPort());
        assertThat(ports).doesNotHaveDuplicates();
        assertThat(cluster.nodes()).allSatisfy(node -> {
            assertThat(node.host()).isEqualTo("127.0.0.1");
            assertThat(node.apiUrl()).isEqualTo("http://127.0.0.1:" + node.restPort());
            assertThat(node.jdbcUrl("app")).isEqualTo("jdbc:postgresql://127.0.0.1:" + node.pgPort() + "/app");
            assertThat(node.dir().getParent()).isEqualTo(cluster.tempDir());
            assertThat(node.configFile()).content().contains("etcd3:", "hosts: '127.0.0.1:" + cluster.etcd().clientPort() + "'");
            assertThat(node.logFile()).exists();
            assertThat(node.patroniPid()).isPresent();
            assertThat(node.postmasterPid()).isPresent();
            assertThat(node.restStatus("/health")).isEqualTo(200);
        });
        assertThat(cluster.keyPrefix()).isEqualTo("/service/demo/");
    }

    @Test
    @Order(2)
    void exactlyOneLeaderAndTheEtcdKeyNamesIt() throws Exception {
        PatroniNode leader = cluster.waitForLeader(Duration.ofSeconds(10));
        assertThat(cluster.nodes()).filteredOn(PatroniNode::isPrimary).containsExactly(leader);
        assertThat(cluster.nodes()).filteredOn(n -> n != leader)
                .allSatisfy(n -> assertThat(n.restStatus("/replica")).as(n.name()).isEqualTo(200));
        assertThat(cluster.leader()).contains(leader);

        Map<String, String> keys = etcdctlGetPrefix(cluster.keyPrefix());
        assertThat(keys).containsEntry("/service/demo/leader", leader.name())
                .containsKeys("/service/demo/config", "/service/demo/initialize",
                        "/service/demo/members/pg0", "/service/demo/members/pg1", "/service/demo/members/pg2");
        assertThat(keys.get("/service/demo/config")).contains("\"ttl\":10", "\"loop_wait\":2", "\"retry_timeout\":3");

        assertThat(queryBoolean(leader, "SELECT pg_is_in_recovery()")).isFalse();
        assertThat(queryString(leader, "SHOW fsync")).isEqualTo("off");
        assertThat(queryString(leader, "SHOW password_encryption")).isEqualTo("scram-sha-256");
    }

    @Test
    @Order(3)
    void writeOnTheLeaderIsVisibleOnTheReplicas() throws Exception {
        PatroniNode leader = cluster.waitForLeader(Duration.ofSeconds(10));
        try (Connection c = leader.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE replicated (id int PRIMARY KEY, note text)");
            st.execute("INSERT INTO replicated VALUES (1, 'before switchover')");
        }
        for (PatroniNode replica : cluster.nodes()) {
            if (replica != leader) {
                assertThat(queryBoolean(replica, "SELECT pg_is_in_recovery()")).as(replica.name()).isTrue();
                assertThat(awaitNote(replica, 1, Duration.ofSeconds(10))).as(replica.name()).isEqualTo("before switchover");
            }
        }
    }

    @Test
    @Order(4)
    void switchoverMovesTheLeaderAndTheOldOneRejoins() throws Exception {
        PatroniNode old = cluster.waitForLeader(Duration.ofSeconds(10));
        long started = System.nanoTime();
        PatroniNode next = cluster.switchover(null);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(next).isNotEqualTo(old);
        assertThat(took).isLessThan(Duration.ofSeconds(30));
        assertThat(cluster.leader()).contains(next);
        assertThat(etcdctlGetPrefix(cluster.keyPrefix())).containsEntry("/service/demo/leader", next.name());
        assertThat(queryBoolean(next, "SELECT pg_is_in_recovery()")).isFalse();

        cluster.waitForReplicas(Duration.ofSeconds(40));
        assertThat(old.isPrimary()).isFalse();
        assertThat(queryBoolean(old, "SELECT pg_is_in_recovery()")).isTrue();
        try (Connection c = next.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO replicated VALUES (2, 'after switchover')");
        }
        assertThat(awaitNote(old, 2, Duration.ofSeconds(10))).isEqualTo("after switchover");

        PatroniNode target = cluster.nodes().stream().filter(n -> n != next).findFirst().orElseThrow();
        assertThat(cluster.switchover(target.name())).isEqualTo(target);
    }

    @Test
    @Order(5)
    void crashedLeaderIsReplacedAndRejoinsWhenRestarted() throws Exception {
        // From a steady state: a leader killed before the replicas follow its new timeline cannot rejoin
        // (see PatroniCluster#killLeader).
        cluster.waitForReplicas(Duration.ofSeconds(40));
        PatroniNode old = cluster.waitForLeader(Duration.ofSeconds(10));
        long patroni = old.patroniPid().orElseThrow();
        long postmaster = old.postmasterPid().orElseThrow();
        long started = System.nanoTime();

        assertThat(cluster.killLeader()).isEqualTo(old);
        assertThat(ProcessHandle.of(patroni).filter(Commands::isRunning)).isEmpty();
        assertThat(ProcessHandle.of(postmaster).filter(Commands::isRunning)).isEmpty();
        assertThat(old.isAgentRunning()).isFalse();
        assertThat(old.isPostgresRunning()).isFalse();

        // Nobody deletes the key: it expires with the dead agent's lease (ttl 10 s).
        PatroniNode next = cluster.waitForNewLeader(old.name(), Duration.ofSeconds(30));
        System.out.printf("%s took over %d ms after %s was killed%n", next.name(),
                (System.nanoTime() - started) / 1_000_000, old.name());

        old.start();
        cluster.waitForReplicas(Duration.ofSeconds(40));
        // The restarted agent may first bring its PostgreSQL up as it was (a primary), then demote and
        // rewind it on its next loop: wait for that, bounded, rather than catch it mid-way.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        boolean inRecovery = false;
        while (!inRecovery && System.nanoTime() - deadline < 0) {
            try {
                inRecovery = queryBoolean(old, "SELECT pg_is_in_recovery()");
            } catch (java.sql.SQLException restarting) {
                // Patroni restarts PostgreSQL while it rejoins.
            }
            if (!inRecovery) {
                Thread.sleep(250);
            }
        }
        assertThat(inRecovery).as(old.name() + " rejoined as a replica").isTrue();
    }

    @Test
    @Order(6)
    void closeLeavesNoProcessesAndNoTempDirs() {
        List<Long> pids = new ArrayList<>();
        cluster.nodes().forEach(n -> {
            n.patroniPid().ifPresent(pids::add);
            n.postmasterPid().ifPresent(pids::add); // the last old leader may be restarting as a replica
        });
        pids.add(cluster.etcd().pid());
        Path tempDir = cluster.tempDir();
        Path etcdDir = cluster.etcd().dataDir().getParent();

        cluster.close();

        assertThat(pids).allSatisfy(pid ->
                assertThat(ProcessHandle.of(pid).filter(Commands::isRunning)).as("pid %d", pid).isEmpty());
        assertThat(processesMentioning(tempDir.toString())).isEmpty();
        assertThat(tempDir).doesNotExist();
        assertThat(etcdDir).doesNotExist();
        assertThat(cluster.nodes()).noneMatch(n -> n.isAgentRunning() || n.isPostgresRunning());
        cluster.close(); // idempotent
    }

    /** etcdctl's v3 {@code get --prefix}: key and value on alternate lines. */
    private Map<String, String> etcdctlGetPrefix(String prefix) {
        CommandResult result = Commands.run(List.of("etcdctl", "--endpoints=" + cluster.etcd().clientUrl(),
                        "get", "--prefix", prefix), Map.of("ETCDCTL_API", "3"), null, Duration.ofSeconds(10))
                .requireSuccess("etcdctl get");
        List<String> lines = result.stdout().lines().toList();
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            keys.put(lines.get(i), lines.get(i + 1));
        }
        return keys;
    }

    static List<String> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(Commands::isRunning)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains(text))
                .toList();
    }

    private static String awaitNote(PatroniNode node, int id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> note = note(node, id);
            if (note.isPresent() || System.nanoTime() > deadline) {
                return note.orElse(null);
            }
            Thread.sleep(50);
        }
    }

    private static Optional<String> note(PatroniNode node, int id) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note FROM replicated WHERE id = " + id)) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // table not replayed yet
                return Optional.empty();
            }
            throw e;
        }
    }

    static boolean queryBoolean(PatroniNode node, String sql) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String queryString(PatroniNode node, String sql) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
