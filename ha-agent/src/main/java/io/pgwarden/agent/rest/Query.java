package io.pgwarden.agent.rest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A request's query string, first value per name as Patroni reads it ({@code parse_qs(...)[0]}).
 *
 * @param parameters decoded names to their first value, in request order
 */
record Query(Map<String, String> parameters) {

    static final Query EMPTY = new Query(Map.of());

    Query {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Parses a raw ({@code %}-encoded) query string; null or empty gives {@link #EMPTY}. */
    static Query parse(String raw) {
        if (raw == null || raw.isEmpty()) {
            return EMPTY;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (!value.isEmpty()) { // parse_qs drops blank values
                parameters.putIfAbsent(name, value);
            }
        }
        return new Query(parameters);
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(parameters.get(name));
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
