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

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** psql (libpq) through both router ports, compared with psql straight to the primary. */
@ExtendWith(SharedRouterFixture.class)
class PsqlIT {

    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);

    private static RouterFixture fixture;

    @BeforeAll
    @Timeout(120)
    static void startCluster(RouterFixture shared) throws Exception {
        fixture = shared;
    }

    @Test
    @Timeout(60)
    void primaryPortReachesThePrimary() {
        assertThat(psql(fixture.primaryPort(), "-At", "-c", "select pg_is_in_recovery()").stdout().strip())
                .isEqualTo("f");
    }

    @Test
    @Timeout(60)
    void replicaPortReachesAReplica() {
        // Twice: the replica port round-robins, and every replica must answer the same.
        for (int i = 0; i < 2; i++) {
            assertThat(psql(fixture.replicaPort(), "-At", "-c", "select pg_is_in_recovery()").stdout().strip())
                    .isEqualTo("t");
        }
    }

    @Test
    @Timeout(60)
    void syntaxErrorIsReportedAsDirect() {
        PostgresNode primary = fixture.cluster().primary();
        String[] args = {"-At", "-v", "VERBOSITY=verbose", "-c", "selec 1"};
        CommandResult routed = ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", fixture.primaryPort(),
                RouterFixture.USER, RouterFixture.PASSWORD, "postgres", args);
        CommandResult direct = ClientTools.psql(PSQL_TIMEOUT, primary.host(), primary.port(),
                RouterFixture.USER, RouterFixture.PASSWORD, "postgres", args);

        assertThat(routed.exitCode()).isEqualTo(direct.exitCode()).isEqualTo(1);
        assertThat(routed.stderr()).contains("ERROR:  42601: syntax error at or near \"selec\"");
        assertThat(firstLine(routed.stderr())).isEqualTo(firstLine(direct.stderr()));
    }

    private CommandResult psql(int port, String... args) {
        return ClientTools.psql(PSQL_TIMEOUT, "127.0.0.1", port, RouterFixture.USER, RouterFixture.PASSWORD, "postgres", args)
                .requireSuccess("psql on port " + port);
    }

    private static String firstLine(String text) {
        return text.lines().findFirst().orElse("");
    }
}
