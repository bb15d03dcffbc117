package io.pgwarden.router.clients;

import io.pgwarden.local.ClientTools;
import io.pgwarden.router.JdbcCancel;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.SharedRouterFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cancel through the router: the client holds a router-issued key; its CancelRequest arrives on a
 * new connection and is forwarded with the key of the server it is using at that moment.
 */
@ExtendWith(SharedRouterFixture.class)
class CancelIT {

    private static RouterFixture fixture;

    @BeforeAll
    static void useSharedCluster(RouterFixture shared) {
        fixture = shared;
    }

    @Test
    @Timeout(30)
    void jdbcStatementCancelStopsARunningSleepAndTheConnectionStaysUsable() throws Exception {
        try (Connection c = fixture.connect(fixture.primaryPort()); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            JdbcCancel.assertSleepIsCancelled(st);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
            try (var rs = st.executeQuery("select 42")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    @Timeout(30)
    void psqlInterruptCancelsItsQueryThroughTheRouter() throws Exception {
        ProcessBuilder psql = new ProcessBuilder(ClientTools.BIN_DIR.resolve("psql").toString(), "-X", "-w",
                "-h", "127.0.0.1", "-p", String.valueOf(fixture.primaryPort()), "-U", RouterFixture.USER,
                "-c", "select pg_sleep(20)", "postgres")
                .redirectErrorStream(true);
        psql.environment().put("PGPASSWORD", RouterFixture.PASSWORD);
        Process running = psql.start();
        Thread.sleep(1500); // logged in and sleeping
        // SIGINT, as Ctrl-C: psql sends a CancelRequest on a new connection.
        new ProcessBuilder("kill", "-INT", String.valueOf(running.pid())).start().waitFor(5, TimeUnit.SECONDS);
        assertThat(running.waitFor(10, TimeUnit.SECONDS)).as("psql ends once its query is cancelled").isTrue();
        String output = new String(running.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output).contains("canceling statement due to user request");
    }
}
