package io.pgwarden.bench.failover;

import java.util.Arrays;
import java.util.List;

/** The smallest, median and largest of some runs' values; the median of an even count is the mean of the middle two. */
public record Spread(long min, long median, long max) {

    public static Spread of(List<Long> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        long median = sorted.length % 2 == 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2.0);
        return new Spread(sorted[0], median, sorted[sorted.length - 1]);
    }
}
