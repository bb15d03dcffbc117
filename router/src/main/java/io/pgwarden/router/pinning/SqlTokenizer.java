package io.pgwarden.router.pinning;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL into words and punctuation the way PostgreSQL's lexer would for our purpose: skips
 * comments (nested block comments included), string literals (standard, E'', dollar-quoted) and
 * quoted identifiers, so a keyword inside a string never counts. Words come out upper-cased;
 * {@code ;} separates statements.
 */
final class SqlTokenizer {

    private SqlTokenizer() {
    }

    /** Statements, each a list of tokens; empty statements are dropped. */
    static List<List<String>> statements(String sql) {
        List<List<String>> statements = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                i = skipLineComment(sql, i);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                i = skipQuoted(sql, i + 1, '\'', false);
                current.add("'");
            } else if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'') {
                i = skipQuoted(sql, i + 2, '\'', true);
                current.add("'");
            } else if (c == '"') {
                i = skipQuoted(sql, i + 1, '"', false);
                current.add("\"");
            } else if (c == '$' && dollarTag(sql, i) != null) {
                String tag = dollarTag(sql, i);
                int end = sql.indexOf(tag, i + tag.length());
                i = end < 0 ? n : end + tag.length();
                current.add("'");
            } else if (c == ';') {
                if (!current.isEmpty()) {
                    statements.add(current);
                    current = new ArrayList<>();
                }
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                current.add(sql.substring(start, i).toUpperCase(java.util.Locale.ROOT));
            } else {
                current.add(String.valueOf(c));
                i++;
            }
        }
        if (!current.isEmpty()) {
            statements.add(current);
        }
        return statements;
    }

    private static int skipLineComment(String sql, int i) {
        int end = sql.indexOf('\n', i);
        return end < 0 ? sql.length() : end + 1;
    }

    private static int skipBlockComment(String sql, int i) {
        int depth = 0;
        int n = sql.length();
        while (i < n) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** The {@code $tag$} starting at i, or null if this '$' is not a dollar quote (e.g. {@code $1}). */
    private static String dollarTag(String sql, int i) {
        int j = i + 1;
        while (j < sql.length() && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
            if (j == i + 1 && Character.isDigit(sql.charAt(j))) {
                return null;
            }
            j++;
        }
        return j < sql.length() && sql.charAt(j) == '$' ? sql.substring(i, j + 1) : null;
    }
}
