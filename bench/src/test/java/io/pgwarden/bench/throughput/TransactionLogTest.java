package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TransactionLogTest {

    @Test
    void thirdFieldIsTheLatencyInMicroseconds() {
        assertThat(TransactionLog.latencyMicros("0 199 2241 0 1175850568 995598")).isEqualTo(2241);
        assertThat(TransactionLog.latencyMicros("3 12 15 0")).isEqualTo(15);
    }

    @Test
    void failedSkippedAndMalformedLinesAreNotLatencies() {
        assertThat(TransactionLog.latencyMicros("0 12 failed 0 1175850569 2663")).isEqualTo(-1);
        assertThat(TransactionLog.latencyMicros("0 13 skipped 0 1175850569 2663")).isEqualTo(-1);
        assertThat(TransactionLog.latencyMicros("")).isEqualTo(-1);
        assertThat(TransactionLog.latencyMicros("0 1")).isEqualTo(-1);
        assertThat(TransactionLog.latencyMicros("0 1 -5 0")).isEqualTo(-1);
    }

    @Test
    void readsEveryCompletedTransaction() throws IOException {
        Histogram histogram = new Histogram(3);
        String log = """
                0 0 100 0 1700000000 1
                0 1 200 0 1700000000 2
                1 0 failed 0 1700000000 3
                1 1 10000 0 1700000000 4
                """;

        TransactionLog.read(new BufferedReader(new StringReader(log)), histogram);

        assertThat(histogram.getTotalCount()).isEqualTo(3);
        assertThat(histogram.valuesAreEquivalent(histogram.getMaxValue(), 10_000)).isTrue();
    }

    @Test
    void readsTheFileOfEveryThread(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tx.1234"), "0 0 100 0 1700000000 1\n");
        Files.writeString(dir.resolve("tx.1234.1"), "1 0 300 0 1700000000 1\n1 1 500 0 1700000000 2\n");
        Histogram histogram = new Histogram(3);

        TransactionLog.readDir(dir, histogram);

        assertThat(histogram.getTotalCount()).isEqualTo(3);
        assertThat(histogram.valuesAreEquivalent(histogram.getValueAtPercentile(99.0), 500)).isTrue();
    }
}
