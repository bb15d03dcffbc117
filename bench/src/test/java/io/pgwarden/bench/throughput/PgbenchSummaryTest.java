package io.pgwarden.bench.throughput;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PgbenchSummaryTest {

    /** pgbench 15 -S -M extended -c 4 -j 2 -T 3. */
    private static final String SELECT_ONLY = """
            pgbench (15.20 (Debian 15.20-0+deb12u1))
            starting vacuum...end.
            transaction type: <builtin: select only>
            scaling factor: 10
            query mode: extended
            number of clients: 4
            number of threads: 2
            maximum number of tries: 1
            duration: 3 s
            number of transactions actually processed: 41234
            number of failed transactions: 0 (0.000%)
            latency average = 0.289 ms
            initial connection time = 9.806 ms
            tps = 13845.531240 (without initial connection time)
            """;

    /** pgbench 15 -S -C: a new connection for every transaction. */
    private static final String RECONNECT = """
            pgbench (15.20 (Debian 15.20-0+deb12u1))
            starting vacuum...end.
            transaction type: <builtin: select only>
            scaling factor: 10
            query mode: simple
            number of clients: 4
            number of threads: 2
            maximum number of tries: 1
            duration: 3 s
            number of transactions actually processed: 1523
            number of failed transactions: 0 (0.000%)
            latency average = 7.880 ms
            average connection time = 3.912 ms
            tps = 507.612338 (including reconnection times)
            """;

    /** Clients aborted half-way (exit code 2, "Run was aborted" on stderr): the summary is still there. */
    private static final String ABORTED = """
            pgbench (15.20 (Debian 15.20-0+deb12u1))
            transaction type: <builtin: TPC-B (sort of)>
            scaling factor: 10
            query mode: simple
            number of clients: 4
            number of threads: 2
            maximum number of tries: 1
            duration: 3 s
            number of transactions actually processed: 812
            number of failed transactions: 3 (0.368%)
            latency average = 14.201 ms
            initial connection time = 11.020 ms
            tps = 281.700321 (without initial connection time)
            """;

    @Test
    void readsTheSummaryOfAPlainRun() {
        PgbenchSummary summary = PgbenchSummary.parse(SELECT_ONLY);

        assertThat(summary.transactions()).isEqualTo(41234);
        assertThat(summary.failed()).isZero();
        assertThat(summary.latencyAvgMs()).isCloseTo(0.289, within(1e-9));
        assertThat(summary.tps()).isCloseTo(13845.531240, within(1e-6));
    }

    @Test
    void takesTheTpsIncludingReconnectionsWithDashC() {
        PgbenchSummary summary = PgbenchSummary.parse(RECONNECT);

        assertThat(summary.tps()).isCloseTo(507.612338, within(1e-6));
        assertThat(summary.latencyAvgMs()).isCloseTo(7.880, within(1e-9));
        assertThat(summary.transactions()).isEqualTo(1523);
    }

    @Test
    void readsFailedTransactions() {
        PgbenchSummary summary = PgbenchSummary.parse(ABORTED);

        assertThat(summary.failed()).isEqualTo(3);
        assertThat(summary.transactions()).isEqualTo(812);
    }

    @Test
    void prefersTheRateWithoutConnectionsOfOldPgbench() {
        String old = """
                number of transactions actually processed: 1000
                latency average = 1.000 ms
                tps = 900.000000 (including connections establishing)
                tps = 1000.000000 (excluding connections establishing)
                """;

        assertThat(PgbenchSummary.parse(old).tps()).isEqualTo(1000.0);
    }

    @Test
    void latencyIsNaNWhenNoTransactionCompleted() {
        String none = """
                number of transactions actually processed: 0
                number of failed transactions: 0 (NaN%)
                tps = 0.000000 (without initial connection time)
                """;

        PgbenchSummary summary = PgbenchSummary.parse(none);

        assertThat(summary.latencyAvgMs()).isNaN();
        assertThat(summary.tps()).isZero();
    }

    @Test
    void failedLineIsOptional() {
        String noFailedLine = SELECT_ONLY.replaceAll("(?m)^number of failed transactions.*\n", "");

        assertThat(PgbenchSummary.parse(noFailedLine).failed()).isZero();
    }

    @Test
    void rejectsOutputWithoutSummary() {
        String cannotConnect = "pgbench (15.20)\npgbench: error: connection to server at \"127.0.0.1\", port 1 failed\n";

        assertThatThrownBy(() -> PgbenchSummary.parse(cannotConnect))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no tps")
                .hasMessageContaining("connection to server");
    }
}
