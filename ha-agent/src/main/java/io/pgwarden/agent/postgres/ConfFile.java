package io.pgwarden.agent.postgres;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** postgresql.conf syntax: setting names, quoted values, one {@code name = value} line per setting. */
final class ConfFile {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*");
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    private ConfFile() {
    }

    /** A setting's name as PostgreSQL compares them (case-insensitively), checked. */
    static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a PostgreSQL setting name: '" + name + "'");
        }
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A value as postgresql.conf reads it back unchanged: numbers plain, everything else single-quoted.
     * Booleans become {@code on}/{@code off}, a list its elements joined by commas.
     */
    static String value(Object value) {
        if (value instanceof Boolean b) {
            return b ? "'on'" : "'off'";
        }
        if (value instanceof Number n) {
            String text = n instanceof BigDecimal d ? d.toPlainString() : n.toString();
            if (PLAIN_NUMBER.matcher(text).matches()) {
                return text;
            }
            return quote(text);
        }
        if (value instanceof Collection<?> c) {
            return quote(c.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        return quote(String.valueOf(value));
    }

    /** A string in single quotes; the server's lexer reads backslash escapes in them, so both are escaped. */
    static String quote(String text) {
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a setting's value cannot hold a line break or NUL: '" + text + "'");
        }
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** {@code name = value} lines for {@code settings}, in their order, each ended by a newline. */
    static String lines(Map<String, Object> settings) {
        StringBuilder out = new StringBuilder();
        settings.forEach((name, value) -> out.append(name(name)).append(" = ").append(value(value)).append('\n'));
        return out.toString();
    }
}
