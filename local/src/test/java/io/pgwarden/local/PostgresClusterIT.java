package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class PostgresClusterIT {

    private PostgresCluster cluster;

    @BeforeAll
    void startCluster() {
        cluster = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(2));
    }

    @AfterAll
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void namesPortsAndDataDirs() {
        assertThat(cluster.nodes()).extracting(PostgresNode::name).containsExactly("pg0", "pg1", "pg2");
        assertThat(cluster.primary()).isSameAs(cluster.nodes().get(0));
        assertThat(cluster.replicas()).isEqualTo(cluster.nodes().subList(1, 3));
        assertThat(cluster.nodes()).extracting(PostgresNode::port).doesNotHaveDuplicates();
        assertThat(cluster.nodes()).allSatisfy(node -> {
            assertThat(node.host()).isEqualTo("127.0.0.1");
            assertThat(node.dataDir().getParent()).isEqualTo(cluster.tempDir());
            assertThat(node.jdbcUrl("app")).isEqualTo("jdbc:postgresql://127.0.0.1:" + node.port() + "/app");
            assertThat(node.isRunning()).isTrue();
            assertThat(node.logFile()).exists();
        });
    }

    @Test
    void rowWrittenOnPrimaryAppearsOnBothReplicas() throws Exception {
        try (Connection primary = cluster.primary().connect("postgres"); Statement st = primary.createStatement()) {
            st.execute("CREATE TABLE replicated (id int PRIMARY KEY, note text)");
            st.execute("INSERT INTO replicated VALUES (1, 'hello replicas')");
        }
        for (PostgresNode replica : cluster.replicas()) {
            assertThat(awaitNote(replica, Duration.ofSeconds(10))).as(replica.name()).isEqualTo("hello replicas");
        }
    }

    @Test
    void onlyThePrimaryIsOutOfRecovery() throws Exception {
        assertThat(queryBoolean(cluster.primary(), "SELECT pg_is_in_recovery()")).isFalse();
        for (PostgresNode replica : cluster.replicas()) {
            assertThat(queryBoolean(replica, "SELECT pg_is_in_recovery()")).as(replica.name()).isTrue();
            assertThat(queryString(replica, "SELECT status FROM pg_stat_wal_receiver")).isEqualTo("streaming");
        }
        assertThat(queryString(cluster.primary(), "SHOW password_encryption")).isEqualTo("scram-sha-256");
        assertThat(queryString(cluster.primary(), "SHOW fsync")).isEqualTo("off");
    }

    @Test
    void psqlAndPgbenchConnectWithThePassword() {
        PostgresNode primary = cluster.primary();
        CommandResult psql = ClientTools.psql(primary.host(), primary.port(), "postgres", "postgres", "postgres",
                "-At", "-c", "SELECT current_user");
        assertThat(psql.requireSuccess("psql").stdout()).isEqualTo("postgres\n");

        CommandResult wrong = ClientTools.psql(primary.host(), primary.port(), "postgres", "wrong", "postgres",
                "-c", "SELECT 1");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.stderr()).contains("password authentication failed");

        ClientTools.pgbench(primary.host(), primary.port(), "postgres", "postgres", "postgres", "-i", "-s", "1", "-q")
                .requireSuccess("pgbench -i");
        CommandResult bench = ClientTools.pgbench(primary.host(), primary.port(), "postgres", "postgres", "postgres",
                "-c", "2", "-t", "50", "-S");
        assertThat(bench.requireSuccess("pgbench").stdout()).contains("number of failed transactions: 0");
    }

    @Test
    void psycopg2ConnectsThroughTheDebianPython() {
        Path python = ClientTools.python3ForPsycopg2();
        PostgresNode primary = cluster.primary();
        String script = "import psycopg2\n"
                + "c = psycopg2.connect(host='127.0.0.1', port=" + primary.port()
                + ", user='postgres', password='postgres', dbname='postgres')\n"
                + "cur = c.cursor(); cur.execute('select 41 + 1'); print(cur.fetchone()[0])\n";
        CommandResult result = Commands.run(Duration.ofSeconds(30), python.toString(), "-c", script);
        assertThat(result.requireSuccess("python3").stdout()).isEqualTo("42\n");
    }

    @Test
    void killedReplicaRestartsAndStreamsAgain() throws Exception {
        PostgresNode replica = cluster.replicas().get(1);
        OptionalLong pid = replica.postmasterPid();
        assertThat(pid).isPresent();

        replica.kill();
        assertThat(replica.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid.getAsLong()).filter(Commands::isRunning)).isEmpty();
        replica.kill(); // no-op when down

        replica.start();
        assertThat(replica.isRunning()).isTrue();
        assertThat(queryBoolean(replica, "SELECT pg_is_in_recovery()")).isTrue();

        replica.stop();
        replica.stop(); // no-op when down
        assertThat(replica.isRunning()).isFalse();
        replica.start();
        assertThat(awaitStreaming(replica, Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void md5ClusterAuthenticatesAndCloseLeavesNothingBehind() throws Exception {
        PostgresCluster md5 = PostgresCluster.start(PostgresCluster.Options.defaults()
                .withAuthMethod(PostgresCluster.AuthMethod.MD5)
                .withSuperuser("admin", "it's secret")
                .withSetting("application_name", "kit test"));
        Path tempDir = md5.tempDir();
        Path dataDir = md5.primary().dataDir();
        long pid = md5.primary().postmasterPid().orElseThrow();
        try {
            assertThat(queryString(md5.primary(), "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'admin'"))
                    .isEqualTo("md5");
            assertThat(queryString(md5.primary(), "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1"))
                    .isEqualTo("md5");
            assertThat(queryString(md5.primary(), "SHOW application_name")).isNotBlank();
            assertThat(Files.readString(dataDir.resolve("postgresql.conf"))).contains("application_name = 'kit test'");
        } finally {
            md5.close();
        }
        assertThat(tempDir).doesNotExist();
        assertThat(ProcessHandle.of(pid).filter(Commands::isRunning)).isEmpty();
        assertThat(processesMentioning(dataDir.toString())).isEmpty();
        assertThat(md5.primary().isRunning()).isFalse();
        md5.close(); // idempotent
    }

    @Test
    void promotedReplicaAcceptsWrites() throws Exception {
        try (PostgresCluster pair = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(1))) {
            PostgresNode replica = pair.replicas().get(0);
            pair.primary().stop();
            replica.promote();
            assertThat(queryBoolean(replica, "SELECT pg_is_in_recovery()")).isFalse();
            try (Connection c = replica.connect("postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE after_promotion (id int)");
            }
        }
    }

    private static List<String> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(Commands::isRunning)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains(text))
                .toList();
    }

    private static boolean awaitStreaming(PostgresNode replica, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!"streaming".equals(queryString(replica, "SELECT coalesce(max(status), 'none') FROM pg_stat_wal_receiver"))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static String awaitNote(PostgresNode replica, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String note = awaitNoteOrNull(replica);
            if (note != null || System.nanoTime() > deadline) {
                return note;
            }
            Thread.sleep(50);
        }
    }

    private static String awaitNoteOrNull(PostgresNode replica) throws SQLException {
        try (Connection c = replica.connect("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT note FROM replicated WHERE id = 1")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // table not replayed yet
                return null;
            }
            throw e;
        }
    }

    private static boolean queryBoolean(PostgresNode node, String sql) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String queryString(PostgresNode node, String sql) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
