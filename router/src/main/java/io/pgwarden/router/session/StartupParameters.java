package io.pgwarden.router.session;

import io.pgwarden.router.pinning.SessionStateDetector;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the settings a client put in its StartupMessage (application_name, DateStyle,
 * {@code options=-c x=y}, ...) into SET statements for the pooled server connection it lands on,
 * skipping the ones the server already reports with the same value.
 */
final class StartupParameters {

    /** Startup keys that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "replication", "options");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private StartupParameters() {
    }

    /** The settings the client asked for, {@code options} unpacked; invalid names are refused. */
    static Map<String, String> settings(Map<String, String> startup) {
        Map<String, String> settings = new LinkedHashMap<>();
        startup.forEach((name, value) -> {
            if (!NOT_SETTINGS.contains(name) && !name.startsWith("_pq_.")) {
                settings.put(checkName(name).toLowerCase(Locale.ROOT), value);
            }
        });
        String options = startup.get("options");
        if (options != null) {
            settings.putAll(parseOptions(options));
        }
        return settings;
    }

    /**
     * One statement bringing a server connection to the client's settings: SET what differs
     * from the server's current value (reported, or set earlier by the pool), RESET what the pool
     * set for a previous client and this one did not ask for, and RESET a tracked setting a
     * previous client changed with its own SET. Empty when nothing differs. Names in
     * {@code settings} and {@code applied} are lower case.
     *
     * @param initial the values the server reported at login (its defaults for this user)
     */
    static String syncStatements(Map<String, String> settings, Map<String, String> serverReported,
                                 Map<String, String> initial, Map<String, String> applied) {
        Map<String, String> reported = lowerCaseKeys(serverReported);
        Map<String, String> defaults = lowerCaseKeys(initial);
        StringBuilder sql = new StringBuilder();
        settings.forEach((name, value) -> {
            // A reported value is always current (it follows the client's own SETs); else what we set.
            String current = reported.containsKey(name) ? reported.get(name) : applied.get(name);
            if (!value.equals(current)) {
                sql.append("SET ").append(name).append(" TO '").append(value.replace("'", "''")).append("';");
            }
        });
        applied.keySet().stream().filter(name -> !settings.containsKey(name))
                .forEach(name -> sql.append("RESET ").append(name).append(';'));
        reported.forEach((name, value) -> {
            if (SessionStateDetector.TRACKED_SETTINGS.contains(name) && !settings.containsKey(name)
                    && !applied.containsKey(name) && defaults.containsKey(name) && !value.equals(defaults.get(name))) {
                sql.append("RESET ").append(name).append(';');
            }
        });
        return sql.toString();
    }

    private static Map<String, String> lowerCaseKeys(Map<String, String> map) {
        Map<String, String> lower = new HashMap<>();
        map.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        return lower;
    }

    /** libpq's PGOPTIONS form: {@code -c name=value} or {@code --name=value}, backslash escapes spaces. */
    static Map<String, String> parseOptions(String options) {
        Map<String, String> parsed = new LinkedHashMap<>();
        var tokens = tokens(options);
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String assignment;
            if (token.equals("-c") && i + 1 < tokens.size()) {
                assignment = tokens.get(++i);
            } else if (token.startsWith("-c")) {
                assignment = token.substring(2);
            } else if (token.startsWith("--")) {
                assignment = token.substring(2);
            } else {
                throw new IllegalArgumentException("unsupported item in startup options: '" + token + "'");
            }
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("startup option must be name=value, got '" + assignment + "'");
            }
            parsed.put(checkName(assignment.substring(0, eq).replace('-', '_')).toLowerCase(Locale.ROOT), assignment.substring(eq + 1));
        }
        return parsed;
    }

    private static java.util.List<String> tokens(String text) {
        java.util.List<String> tokens = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean escaped = false;
        for (char c : text.toCharArray()) {
            if (escaped) {
                current.append(c);
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (Character.isWhitespace(c)) {
                if (current.length() > 0) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static String checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid configuration parameter name \"" + name + "\"");
        }
        return name;
    }
}
