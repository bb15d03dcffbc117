package io.pgwarden.bench.throughput;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of pgbench's closing summary (PostgreSQL 15 format).
 *
 * @param transactions transactions that completed
 * @param failed       failed transactions; 0 when pgbench does not print the line
 * @param latencyAvgMs pgbench's {@code latency average}
 * @param tps          with {@code -C} the rate including reconnection times, else without the initial connection time
 */
public record PgbenchSummary(long transactions, long failed, double latencyAvgMs, double tps) {

    private static final Pattern PROCESSED = Pattern.compile(
            "(?m)^number of transactions actually processed: (\\d+)");
    private static final Pattern FAILED = Pattern.compile("(?m)^number of failed transactions: (\\d+)");
    private static final Pattern LATENCY = Pattern.compile("(?m)^latency average = ([0-9.]+) ms");
    // PostgreSQL 14+ prints one tps line; older versions two, of which "excluding connections establishing" counts.
    private static final Pattern TPS = Pattern.compile(
            "(?m)^tps = ([0-9.]+) \\((without initial connection time|including reconnection times"
                    + "|excluding connections establishing)\\)");

    /**
     * Reads the summary pgbench prints on stdout at the end of a run.
     *
     * @throws IllegalArgumentException if there is no tps or no count of processed transactions, e.g. when
     *                                  pgbench could not connect at all
     */
    public static PgbenchSummary parse(String stdout) {
        String tps = find(TPS, stdout).orElseThrow(() -> missing("tps", stdout));
        String processed = find(PROCESSED, stdout).orElseThrow(() -> missing("transactions processed", stdout));
        // pgbench leaves the latency line out when no transaction completed.
        double latency = find(LATENCY, stdout).map(Double::parseDouble).orElse(Double.NaN);
        long failed = find(FAILED, stdout).map(Long::parseLong).orElse(0L);
        return new PgbenchSummary(Long.parseLong(processed), failed, latency, Double.parseDouble(tps));
    }

    private static Optional<String> find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private static IllegalArgumentException missing(String what, String stdout) {
        return new IllegalArgumentException("no " + what + " in pgbench output:\n" + stdout.strip());
    }
}
