package io.pgwarden.systest;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.local.PostgresCluster;
import io.pgwarden.local.PostgresNode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault tests tell "committed locally" acknowledgements apart from real ones: a COMMIT whose wait
 * for a synchronous standby is cancelled (the client's query timeout sends a CancelRequest; the
 * server's statement_timeout does not cover an autocommit COMMIT's wait) succeeds with PostgreSQL's WARNING
 * (its "committed locally" is in the DETAIL, which pgjdbc keeps out of the message). Without this the
 * tests would count such writes as lost or split-brain — or, worse, miss them.
 */
@Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
class CancelledSyncWaitIT {

    @Test
    void aCommitWhoseSyncWaitTimesOutIsCountedAsLocalOnly() throws Exception {
        try (PostgresCluster pg = PostgresCluster.start(PostgresCluster.Options.defaults().withReplicas(0))) {
            PostgresNode primary = pg.primary();
            try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
                WriteLoad.createTable(c);
                s.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
                s.execute("ALTER SYSTEM SET synchronous_commit = 'on'"); // the kit's servers turn it off for speed
                s.execute("SELECT pg_reload_conf()");
            }
            Thread.sleep(500);
            WriteLoad load = new WriteLoad("sync-wait", primary.jdbcUrl("postgres"), 1, Duration.ofSeconds(1)).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (load.ackedCount() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            load.close();
            assertThat(load.acked()).as("attempts: %s", load.attempts().stream().limit(3).toList())
                    .hasSizeGreaterThanOrEqualTo(3).allMatch(WriteLoad.Attempt::localOnly);
        }
    }
}
