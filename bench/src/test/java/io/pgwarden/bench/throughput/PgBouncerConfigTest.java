package io.pgwarden.bench.throughput;

import io.pgwarden.pool.PoolMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PgBouncerConfigTest {

    private static final Path DIR = Path.of("/tmp/bench/pgbouncer-txn");

    @Test
    void transactionModeWithThePoolSizeAsIs() {
        String ini = config(PoolMode.TRANSACTION, 16).ini();

        assertThat(ini)
                .contains("[databases]\npostgres = host=127.0.0.1 port=5432 dbname=postgres\n")
                .contains("listen_addr = 127.0.0.1\n")
                .contains("listen_port = 20001\n")
                .contains("unix_socket_dir =\n")
                .contains("auth_type = scram-sha-256\n")
                .contains("auth_file = /tmp/bench/pgbouncer-txn/userlist.txt\n")
                .contains("pool_mode = transaction\n")
                .contains("default_pool_size = 16\n")
                .contains("max_client_conn = 1000\n")
                .contains("ignore_startup_parameters = extra_float_digits\n")
                .contains("logfile = /tmp/bench/pgbouncer-txn/pgbouncer.log\n")
                .contains("pidfile = /tmp/bench/pgbouncer-txn/pgbouncer.pid\n")
                .doesNotContain("server_reset_query");
    }

    @Test
    void sessionModeDiscardsEverythingBetweenClients() {
        String ini = config(PoolMode.SESSION, 100).ini();

        assertThat(ini)
                .contains("pool_mode = session\n")
                .contains("default_pool_size = 100\n")
                .contains("server_reset_query = DISCARD ALL\n");
    }

    @Test
    void everyPgBouncerSettingIsAKeyValueLineUnderItsSection() {
        String ini = config(PoolMode.SESSION, 4).ini();
        String settings = ini.substring(ini.indexOf("[pgbouncer]\n") + "[pgbouncer]\n".length());

        assertThat(settings.lines()).allMatch(line -> line.matches("[a-z_]+ =( .+)?"));
    }

    @Test
    void userListQuotesBothWordsAndDoublesQuotes() {
        assertThat(PgBouncerConfig.userList("postgres", "postgres")).isEqualTo("\"postgres\" \"postgres\"\n");
        assertThat(PgBouncerConfig.userList("bob", "a\"b")).isEqualTo("\"bob\" \"a\"\"b\"\n");
    }

    @Test
    void targetNamesCarryThePoolMode() {
        assertThat(PgBouncerTarget.nameFor(PoolMode.TRANSACTION)).isEqualTo("pgbouncer-txn");
        assertThat(PgwardenTarget.nameFor(PoolMode.SESSION)).isEqualTo("pgwarden-session");
    }

    @Test
    void aMissingBinaryNamesTheDebianPackage() {
        assertThat(PgBouncerTarget.unavailable(Path.of("/nonexistent/pgbouncer")))
                .hasValue("/nonexistent/pgbouncer not found; install the Debian package pgbouncer to compare with PgBouncer");
    }

    private static PgBouncerConfig config(PoolMode mode, int poolSize) {
        return new PgBouncerConfig(DIR, 20001, "127.0.0.1", 5432, "postgres", mode, poolSize, 1000);
    }
}
