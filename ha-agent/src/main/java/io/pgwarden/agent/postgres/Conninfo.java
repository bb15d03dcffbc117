package io.pgwarden.agent.postgres;

import java.util.Map;
import java.util.stream.Collectors;

/** libpq's {@code key=value} connection strings. */
final class Conninfo {

    private Conninfo() {
    }

    /** {@code key=value} pairs separated by spaces, values quoted where libpq needs it. */
    static String of(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "=" + value(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    /** A value as libpq reads it: empty, blank-containing or quote-containing values go in quotes, backslash-escaped. */
    static String value(String value) {
        boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '\\');
        return plain ? value : "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
