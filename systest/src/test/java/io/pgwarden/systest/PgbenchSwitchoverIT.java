package io.pgwarden.systest;

import io.pgwarden.agent.local.LocalCluster;
import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.local.EtcdServer;
import io.pgwarden.router.listener.RouterServer;
import io.pgwarden.router.routing.ListenerRole;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real load across a coordinated switchover: pgbench TPC-B, 32 clients, {@code -M prepared}, through the
 * router's primary port in transaction mode, one switchover to the synchronous standby in the middle of
 * the run. No client may abort and no transaction may fail: the routers drain the old primary before it
 * stops, so no transaction is under way there when it does, and the prepared statements are made again
 * on the new primary's connections.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PgbenchSwitchoverIT {

    private static final Logger LOG = LoggerFactory.getLogger(PgbenchSwitchoverIT.class);
    private static final int CLIENTS = 32;
    private static final int SECONDS = 25;
    /** How long pgbench runs before the switchover: every client connected and busy. */
    private static final Duration BEFORE_SWITCHOVER = Duration.ofSeconds(8);

    private static AgentCluster<EtcdServer> cluster;
    private static RouterServer router;

    @BeforeAll
    static void start() throws Exception {
        cluster = AgentCluster.start(LocalCluster.Options.defaults("pgbench"));
        router = cluster.startRouter();
        String leader = cluster.awaitLeader(Duration.ofSeconds(30));
        // Initialised on the leader directly: the run, not the COPY of -i, is under test.
        ClientTools.pgbench(Duration.ofSeconds(120), "127.0.0.1", cluster.node(leader).pgPort(), "postgres", "postgres",
                "postgres", "-i", "-s", "1", "-q").requireSuccess("pgbench -i");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void pgbenchAcrossACoordinatedSwitchoverAbortsNoClientAndFailsNoTransaction() throws Exception {
        cluster.awaitHealthy(Duration.ofSeconds(60));
        String leader = cluster.awaitLeader(Duration.ofSeconds(30));
        int port = router.port(ListenerRole.PRIMARY);
        // One thread per client: with -M prepared pgbench prepares with blocking calls that would stall
        // a thread's other clients while one waits for a server connection (see PgbenchTransactionIT).
        CompletableFuture<CommandResult> run = CompletableFuture.supplyAsync(() -> ClientTools.pgbench(
                Duration.ofSeconds(SECONDS + 60), "127.0.0.1", port, "postgres", "postgres", "postgres",
                "-M", "prepared", "-c", String.valueOf(CLIENTS), "-j", String.valueOf(CLIENTS), "-T",
                String.valueOf(SECONDS), "-n"));
        Thread.sleep(BEFORE_SWITCHOVER.toMillis());
        assertThat(run).as("pgbench still runs at the switchover").isNotDone();
        assertThat(transactionsOn(leader)).as("pgbench commits on " + leader + " before the switchover").isPositive();

        String candidate = cluster.syncStandby();
        long sent = System.nanoTime();
        HttpResponse<String> answer = cluster.switchover(leader, candidate);
        LOG.info("switchover {} -> {}: {} {} in {} ms", leader, candidate, answer.statusCode(), answer.body().strip(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(cluster.awaitLeader(Duration.ofSeconds(10))).isEqualTo(candidate);
        assertThat(run).as("pgbench still runs after the switchover").isNotDone();
        long atSwitchover = transactionsOn(candidate);

        CommandResult result = run.get(SECONDS + 90L, TimeUnit.SECONDS);
        LOG.info("pgbench across the switchover (exit {}):\n{}\n{}", result.exitCode(), result.stdout(), result.stderr());
        assertThat(result.stderr()).as("pgbench's errors").doesNotContain("aborted");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains(
                "transaction type: <builtin: TPC-B (sort of)>",
                "query mode: prepared",
                "number of clients: " + CLIENTS,
                "number of failed transactions: 0 ");
        assertThat(transactionsOn(candidate)).as("pgbench's commits on the new primary").isGreaterThan(atSwitchover);
    }

    /** Rows pgbench added to its history on {@code node} (each TPC-B transaction adds one). */
    private static long transactionsOn(String node) throws Exception {
        try (Connection c = AgentCluster.connect(cluster.node(node)); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pgbench_history")) {
            r.next();
            return r.getLong(1);
        }
    }
}
