package io.pgwarden.agent.rest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte count as Patroni accepts it in {@code ?lag=}: a plain number of bytes ({@code 1048576}) or a
 * number with one of PostgreSQL's memory units, case-sensitive: {@code B}, {@code kB}, {@code MB},
 * {@code GB}, {@code TB} (1024-based; {@code 1.5MB} is fine, rounded to whole bytes).
 */
final class ByteSize {

    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([A-Za-z]*)\\s*");
    private static final Map<String, Long> UNITS = Map.of(
            "", 1L, "B", 1L, "kB", 1L << 10, "MB", 1L << 20, "GB", 1L << 30, "TB", 1L << 40);

    private ByteSize() {
    }

    /** {@link #parse}, for a query parameter: a bad value is the client's error. */
    static long parseQuery(String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadQueryException("lag: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException if it is not such a size, or too large for a long */
    static long parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a byte size: \"" + text + "\"");
        }
        Long unit = UNITS.get(m.group(2));
        if (unit == null) {
            throw new IllegalArgumentException("unknown unit \"" + m.group(2) + "\" (B, kB, MB, GB, TB): \"" + text + "\"");
        }
        try {
            return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit))
                    .setScale(0, RoundingMode.HALF_EVEN).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("byte size too large: \"" + text + "\"", e);
        }
    }
}
