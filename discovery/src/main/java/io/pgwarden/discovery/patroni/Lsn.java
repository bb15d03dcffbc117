package io.pgwarden.discovery.patroni;

import java.util.Locale;

/**
 * WAL positions. Patroni stores them as plain byte counts ({@code 50331744}); PostgreSQL prints them
 * as {@code X/Y} in hex ({@code 0/3000060}). Both are read; byte counts are written.
 */
public final class Lsn {

    private Lsn() {
    }

    /**
     * Parses a byte count ({@code 50331744}) or PostgreSQL's {@code X/Y} form.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public static long parse(String text) {
        String value = text.strip();
        int slash = value.indexOf('/');
        try {
            if (slash < 0) {
                long lsn = Long.parseLong(value);
                if (lsn < 0) {
                    throw new IllegalArgumentException("negative LSN: \"" + text + "\"");
                }
                return lsn;
            }
            long high = Long.parseLong(value.substring(0, slash), 16);
            long low = Long.parseLong(value.substring(slash + 1), 16);
            if (high > 0x7FFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) { // signed long: half the space suffices
                throw new IllegalArgumentException("LSN out of range: \"" + text + "\"");
            }
            return high << 32 | low;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN: \"" + text + "\"", e);
        }
    }

    /** PostgreSQL's {@code X/Y} form. */
    public static String format(long lsn) {
        return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
