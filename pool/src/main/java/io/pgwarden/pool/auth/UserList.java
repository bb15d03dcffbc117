package io.pgwarden.pool.auth;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * User names and secrets in PgBouncer's {@code userlist.txt} format, so existing files can be reused.
 *
 * <pre>
 * ; comment (also #)
 * "alice" "plain password"
 * "bob"   "md5..."
 * "carol" "SCRAM-SHA-256$4096:...$...:..."
 * "say ""hi""" "a double quote is written twice"
 * </pre>
 *
 * Blank lines and lines starting with {@code ;} or {@code #} are skipped, leading whitespace allowed.
 * As in PgBouncer, text after the second field is ignored if whitespace separates it (old
 * pg_auth-style files had more columns). Everything else is an error naming the source and line.
 * Stricter than PgBouncer on purpose: a user listed twice is an error rather than last-one-wins, and
 * empty names or secrets are rejected.
 *
 * <p>Immutable; {@link #toString()} shows no secrets.
 */
public final class UserList {

    private final String source;
    private final Map<String, Secret> secrets;

    private UserList(String source, Map<String, Secret> secrets) {
        this.source = source;
        this.secrets = Collections.unmodifiableMap(secrets);
    }

    /** Reads a UTF-8 file. Malformed content throws {@link UserListFormatException}. */
    public static UserList load(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new UserListFormatException(path.toString(), 0, "not valid UTF-8");
        }
        return parse(content, path.toString());
    }

    /** Parses file content; {@code sourceName} (usually the path) only labels error messages. */
    public static UserList parse(String content, String sourceName) throws UserListFormatException {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(sourceName, "sourceName");
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1); // editors on Windows like to add a byte order mark
        }
        Map<String, Secret> secrets = new LinkedHashMap<>();
        Map<String, Integer> definedOn = new HashMap<>();
        Iterator<String> lines = content.lines().iterator();
        for (int number = 1; lines.hasNext(); number++) {
            Entry entry = new LineParser(lines.next(), sourceName, number).parse();
            if (entry == null) {
                continue;
            }
            Integer previous = definedOn.putIfAbsent(entry.user(), number);
            if (previous != null) {
                throw new UserListFormatException(sourceName, number,
                        "user \"" + entry.user() + "\" is already defined on line " + previous);
            }
            secrets.put(entry.user(), entry.secret());
        }
        return new UserList(sourceName, secrets);
    }

    public Optional<Secret> secretFor(String user) {
        return Optional.ofNullable(secrets.get(user));
    }

    /** User names in file order. */
    public Set<String> users() {
        return secrets.keySet();
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "UserList[source=" + source + ", users=" + secrets.size() + "]";
    }

    private record Entry(String user, Secret secret) {
    }

    /** One line; a small cursor-based scanner since fields may contain escaped quotes. */
    private static final class LineParser {
        private final String line;
        private final String source;
        private final int number;
        private int pos;

        LineParser(String line, String source, int number) {
            this.line = line;
            this.source = source;
            this.number = number;
        }

        /** The entry, or null for a blank or comment line. */
        Entry parse() throws UserListFormatException {
            skipWhitespace();
            if (pos == line.length() || line.charAt(pos) == ';' || line.charAt(pos) == '#') {
                return null;
            }
            String user = quoted("user name");
            skipWhitespace();
            String secretText = quoted("secret");
            if (pos < line.length() && !isWhitespace(line.charAt(pos))) {
                throw error("unexpected text after the secret's closing quote");
            }
            if (user.isEmpty()) {
                throw error("user name is empty");
            }
            if (secretText.isEmpty()) {
                throw error("secret for user \"" + user + "\" is empty");
            }
            try {
                return new Entry(user, Secret.parse(secretText));
            } catch (IllegalArgumentException e) {
                // Secret.parse messages describe the shape, never the value.
                throw error("invalid secret for user \"" + user + "\": " + e.getMessage());
            }
        }

        private String quoted(String what) throws UserListFormatException {
            if (pos == line.length() || line.charAt(pos) != '"') {
                throw error("expected \"username\" \"secret\" (" + what + " must be in double quotes)");
            }
            StringBuilder value = new StringBuilder();
            pos++;
            while (true) {
                int close = line.indexOf('"', pos);
                if (close < 0) {
                    throw error("unterminated " + what + " (missing closing double quote)");
                }
                value.append(line, pos, close);
                pos = close + 1;
                if (pos < line.length() && line.charAt(pos) == '"') {
                    value.append('"'); // "" inside a field is one literal quote
                    pos++;
                } else {
                    return value.toString();
                }
            }
        }

        private void skipWhitespace() {
            while (pos < line.length() && isWhitespace(line.charAt(pos))) {
                pos++;
            }
        }

        private static boolean isWhitespace(char c) {
            return c == ' ' || c == '\t';
        }

        private UserListFormatException error(String problem) {
            return new UserListFormatException(source, number, problem);
        }
    }

    /** One line of the file: both fields quoted, a double quote inside written as {@code ""}. */
    public static String entry(String user, String secret) {
        return quote(user) + " " + quote(secret) + "\n";
    }

    private static String quote(String field) {
        return "\"" + field.replace("\"", "\"\"") + "\"";
    }
}
