package io.pgwarden.bench.throughput;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * pgbench's per-transaction logs ({@code -l}): one file per thread, one line per transaction,
 * {@code client_id transaction_no time script_no time_epoch time_us}, where {@code time} is the
 * transaction's latency in microseconds, or {@code failed} / {@code skipped}.
 */
final class TransactionLog {

    private TransactionLog() {
    }

    /** Adds the latency of every completed transaction logged in the files of {@code dir} to {@code histogram}. */
    static void readDir(Path dir, Histogram histogram) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                read(reader, histogram);
            }
        }
    }

    /** Adds the latency of every completed transaction read from {@code log} to {@code histogram}. */
    static void read(BufferedReader log, Histogram histogram) throws IOException {
        String line;
        while ((line = log.readLine()) != null) {
            long micros = latencyMicros(line);
            if (micros >= 0) {
                histogram.recordValue(micros);
            }
        }
    }

    /** The third field of a log line, or -1 for a failed or skipped transaction or a line that is not one. */
    static long latencyMicros(String line) {
        int first = line.indexOf(' ');
        int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
        if (second < 0) {
            return -1;
        }
        int third = line.indexOf(' ', second + 1);
        String field = third < 0 ? line.substring(second + 1) : line.substring(second + 1, third);
        if (field.isEmpty() || !field.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(field);
    }
}
