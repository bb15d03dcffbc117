package io.pgwarden.router.pinning;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Recognizes SQL that leaves state in the session — state a transaction pool would leak to the
 * next client or lose when the client moves to another server connection. A client that sends
 * such SQL is pinned to its server connection instead. Errs on the side of pinning.
 */
public final class SessionStateDetector {

    private static final Set<String> SESSION_ADVISORY_LOCKS = Set.of(
            "PG_ADVISORY_LOCK", "PG_ADVISORY_LOCK_SHARED", "PG_TRY_ADVISORY_LOCK", "PG_TRY_ADVISORY_LOCK_SHARED");
    /** SET forms that last only until the transaction ends. */
    private static final Set<String> TRANSACTION_SCOPED_SET = Set.of("LOCAL", "TRANSACTION", "CONSTRAINTS");

    /**
     * Settings the server reports in ParameterStatus whenever they change, so the pool can follow
     * a client's SET of them and carry the value to its next server connection instead of pinning.
     * Lower case, as the names are case-insensitive.
     */
    public static final Set<String> TRACKED_SETTINGS = Set.of("application_name", "client_encoding", "datestyle",
            "intervalstyle", "timezone", "standard_conforming_strings", "default_transaction_read_only");

    private SessionStateDetector() {
    }

    /** Why this SQL text would change session state, or empty if it does not. */
    public static Optional<PinReason> detect(String sql) {
        if (!mayMatter(sql)) {
            return Optional.empty();
        }
        for (List<String> statement : SqlTokenizer.statements(sql)) {
            Optional<PinReason> reason = inspect(statement);
            if (reason.isPresent()) {
                return reason;
            }
        }
        return Optional.empty();
    }

    /** Statements that can change session state by their first word alone. */
    private static final Set<String> SESSION_KEYWORDS = Set.of("SET", "RESET", "LISTEN", "LOAD", "PREPARE", "DECLARE",
            "CREATE");
    /** Words that can change session state anywhere in a statement. */
    private static final List<String> ANYWHERE = List.of("advisory", "set_config", "temp");

    /**
     * A cheap pre-check run on every query in transaction mode, so the tokenizer runs only on the
     * few that could matter: a single statement whose first word is not a session keyword, and
     * that mentions no advisory lock, set_config or temp, cannot change session state.
     * Anything else (several statements, a comment first) goes to the full inspection.
     */
    private static boolean mayMatter(String sql) {
        if (mentionsAnywhereWord(sql)) {
            return true;
        }
        int semicolon = sql.indexOf(';');
        if (semicolon >= 0 && !sql.substring(semicolon + 1).isBlank()) {
            return true;
        }
        int start = 0;
        while (start < sql.length() && Character.isWhitespace(sql.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        if (end == start) {
            return true; // starts with a comment, a parenthesis, ...: look properly
        }
        return SESSION_KEYWORDS.contains(sql.substring(start, end).toUpperCase(java.util.Locale.ROOT));
    }

    /** One pass, comparing a word only where its first letter stands. */
    private static boolean mentionsAnywhereWord(String sql) {
        for (int i = 0; i < sql.length(); i++) {
            char c = Character.toLowerCase(sql.charAt(i));
            if (c != 'a' && c != 's' && c != 't') {
                continue;
            }
            for (String word : ANYWHERE) {
                if (word.charAt(0) == c && sql.regionMatches(true, i, word, 0, word.length())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Optional<PinReason> inspect(List<String> tokens) {
        String first = tokens.get(0);
        String second = tokens.size() > 1 ? tokens.get(1) : "";
        switch (first) {
            case "SET" -> {
                String name = second.equals("SESSION") && tokens.size() > 2 ? tokens.get(2) : second;
                if (!TRANSACTION_SCOPED_SET.contains(second) && !isTracked(name)) {
                    return Optional.of(PinReason.SET);
                }
            }
            case "RESET" -> {
                if (!isTracked(second)) {
                    return Optional.of(PinReason.RESET);
                }
            }
            case "LISTEN" -> {
                return Optional.of(PinReason.LISTEN);
            }
            case "LOAD" -> {
                return Optional.of(PinReason.LOAD);
            }
            case "PREPARE" -> {
                if (!second.equals("TRANSACTION")) {
                    return Optional.of(PinReason.PREPARE);
                }
            }
            case "DECLARE" -> {
                if (containsPair(tokens, "WITH", "HOLD")) {
                    return Optional.of(PinReason.WITH_HOLD_CURSOR);
                }
            }
            case "CREATE" -> {
                if (isTemporary(second) || (second.equals("LOCAL") || second.equals("GLOBAL"))
                        && tokens.size() > 2 && isTemporary(tokens.get(2))) {
                    return Optional.of(PinReason.TEMP_TABLE);
                }
            }
            default -> {
            }
        }
        for (int i = 0; i + 1 < tokens.size(); i++) {
            String token = tokens.get(i);
            if (!tokens.get(i + 1).equals("(")) {
                continue;
            }
            if (SESSION_ADVISORY_LOCKS.contains(token)) {
                return Optional.of(PinReason.ADVISORY_LOCK);
            }
            if (token.equals("SET_CONFIG") && !lastArgumentIsTrue(tokens, i + 1)) {
                return Optional.of(PinReason.SET_CONFIG);
            }
        }
        // SELECT ... INTO TEMP creates a temporary table too.
        if (first.equals("SELECT") && (containsPair(tokens, "INTO", "TEMP") || containsPair(tokens, "INTO", "TEMPORARY"))) {
            return Optional.of(PinReason.TEMP_TABLE);
        }
        return Optional.empty();
    }

    private static boolean isTracked(String name) {
        return TRACKED_SETTINGS.contains(name.toLowerCase(java.util.Locale.ROOT));
    }

    private static boolean isTemporary(String token) {
        return token.equals("TEMP") || token.equals("TEMPORARY");
    }

    private static boolean containsPair(List<String> tokens, String a, String b) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).equals(a) && tokens.get(i + 1).equals(b)) {
                return true;
            }
        }
        return false;
    }

    /** set_config(name, value, is_local): only a literal {@code true} keeps the change transaction-local. */
    private static boolean lastArgumentIsTrue(List<String> tokens, int openParen) {
        int depth = 0;
        for (int i = openParen; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (token.equals("(")) {
                depth++;
            } else if (token.equals(")")) {
                depth--;
                if (depth == 0) {
                    return i > 0 && tokens.get(i - 1).equals("TRUE");
                }
            }
        }
        return false;
    }
}
