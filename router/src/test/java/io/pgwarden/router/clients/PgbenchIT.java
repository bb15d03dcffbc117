package io.pgwarden.router.clients;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.PostgresNode;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.SharedRouterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * pgbench through the router: initialised through the primary port, then the TPC-B-like script
 * in every query mode on the primary port and the select-only script on the replica port.
 */
@ExtendWith(SharedRouterFixture.class)
class PgbenchIT {

    private static final Duration PGBENCH_TIMEOUT = Duration.ofSeconds(60);
    private static final String NO_FAILURES = "number of failed transactions: 0 ";

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startClusterAndInitialise(RouterFixture shared) throws Exception {
        fixture = shared;
        pgbench(fixture.primaryPort(), "-i", "-s", "1");
        awaitReplicasCaughtUp();
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "extended", "prepared"})
    @Timeout(60)
    void tpcbOnThePrimaryPort(String mode) {
        CommandResult result = pgbench(fixture.primaryPort(), "-M", mode, "-c", "8", "-j", "2", "-T", "3");
        assertThat(result.stdout()).contains("query mode: " + mode, NO_FAILURES);
        assertThat(transactions(result)).isPositive();
    }

    @Test
    @Timeout(60)
    void selectOnlyOnTheReplicaPort() {
        CommandResult result = pgbench(fixture.replicaPort(), "-S", "-c", "8", "-j", "2", "-T", "3");
        assertThat(result.stdout()).contains("transaction type: <builtin: select only>", NO_FAILURES);
        assertThat(transactions(result)).isPositive();
    }

    @Test
    @Timeout(60)
    void tpcbIsRefusedOnTheReplicaPort() {
        // The write script must fail there as it would on a replica directly: proof the port is read-only.
        CommandResult result = ClientTools.pgbench(PGBENCH_TIMEOUT, "127.0.0.1", fixture.replicaPort(),
                RouterFixture.USER, RouterFixture.PASSWORD, "postgres", "-c", "1", "-t", "1");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("cannot execute UPDATE in a read-only transaction");
    }

    /** Exit code 0, or the output in the failure message. */
    private static CommandResult pgbench(int port, String... args) {
        return ClientTools.pgbench(PGBENCH_TIMEOUT, "127.0.0.1", port, RouterFixture.USER, RouterFixture.PASSWORD,
                "postgres", args).requireSuccess("pgbench " + String.join(" ", args) + " on port " + port);
    }

    /** The "number of transactions actually processed: N" that pgbench prints. */
    private static long transactions(CommandResult result) {
        return result.stdout().lines()
                .filter(line -> line.startsWith("number of transactions actually processed: "))
                .map(line -> line.substring(line.indexOf(':') + 2).split("[ /]")[0])
                .mapToLong(Long::parseLong)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no transaction count in:\n" + result.stdout()));
    }

    /** pgbench -S reads pgbench_accounts, so every replica must have replayed the load first. */
    private static void awaitReplicasCaughtUp() throws SQLException {
        String primaryLsn;
        try (Connection c = fixture.connectDirect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select pg_current_wal_lsn()")) {
            rs.next();
            primaryLsn = rs.getString(1);
        }
        for (PostgresNode replica : fixture.cluster().replicas()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> replayed(replica, primaryLsn));
        }
    }

    private static boolean replayed(PostgresNode replica, String lsn) throws SQLException {
        try (Connection c = replica.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
