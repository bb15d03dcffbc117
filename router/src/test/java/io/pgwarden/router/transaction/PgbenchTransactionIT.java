package io.pgwarden.router.transaction;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;
import io.pgwarden.router.RouterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** pgbench in every query mode, 64 clients sharing a transaction pool of 8 server connections. */
class PgbenchTransactionIT {

    private static final int POOL_SIZE = 8;
    private static final int CLIENTS = 64;
    private static final int TRANSACTIONS_PER_CLIENT = 25;
    private static final Duration PGBENCH_TIMEOUT = Duration.ofSeconds(60);

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startClusterAndInitialise() throws Exception {
        fixture = TransactionPool.start(POOL_SIZE);
        pgbench("-i", "-s", "1", "-q");
    }

    @AfterAll
    @Timeout(60)
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "extended", "prepared"})
    @Timeout(90)
    void everyTransactionCompletes(String mode) throws Exception {
        CommandResult result;
        try (PeakSampler servers = new PeakSampler(() -> TransactionPool.serverConnections(fixture), 10)) {
            // One thread per client (-j = -c): with -M prepared pgbench prepares a client's statements
            // with blocking calls that stall its whole thread, so a thread serving several clients
            // deadlocks itself once one of them holds a server mid-transaction and another waits for
            // one to prepare on. PgBouncer shows the same; it is pgbench's doing, not the pool's.
            result = pgbench("-M", mode, "-c", String.valueOf(CLIENTS), "-j", String.valueOf(CLIENTS),
                    "-t", String.valueOf(TRANSACTIONS_PER_CLIENT));
            assertThat(servers.peak()).as("server connections at any time").isBetween(1, POOL_SIZE);
        }
        int expected = CLIENTS * TRANSACTIONS_PER_CLIENT;
        assertThat(result.stdout()).contains(
                "query mode: " + mode,
                "number of clients: " + CLIENTS,
                "number of transactions actually processed: " + expected + "/" + expected,
                "number of failed transactions: 0 ");
    }

    /** Exit code 0, or the output in the failure message. */
    private static CommandResult pgbench(String... args) {
        return ClientTools.pgbench(PGBENCH_TIMEOUT, "127.0.0.1", fixture.primaryPort(), RouterFixture.USER,
                RouterFixture.PASSWORD, "postgres", args).requireSuccess("pgbench " + String.join(" ", args));
    }
}
