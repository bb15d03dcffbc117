package io.pgwarden.router.admin.console;

import io.pgwarden.pool.protocol.SqlState;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a query string into console commands: keywords in any case, statements separated by
 * {@code ;}, database names bare or in double quotes (as SQL identifiers).
 */
public final class ConsoleCommandParser {

    public static final String COMMANDS = "SHOW POOLS|CLIENTS|SERVERS|STATS|CONFIG|TOPOLOGY|HELP|VERSION, "
            + "RELOAD, PAUSE [db], RESUME [db], KILL db";

    /** Session parameters client libraries set at login; SET of anything else is refused. */
    private static final Set<String> CLIENT_PARAMETERS = Set.of("application_name", "extra_float_digits",
            "client_encoding", "datestyle", "timezone", "intervalstyle", "search_path", "statement_timeout",
            "lock_timeout", "idle_in_transaction_session_timeout", "client_min_messages");

    /** The commands in {@code sql}, in order; empty when it holds none. */
    public List<ConsoleCommand> parse(String sql) {
        List<ConsoleCommand> commands = new ArrayList<>();
        for (List<String> statement : statements(sql)) {
            if (!statement.isEmpty()) {
                commands.add(command(statement));
            }
        }
        return commands;
    }

    private static ConsoleCommand command(List<String> words) {
        String verb = keyword(words.get(0));
        return switch (verb) {
            case "SHOW" -> {
                expectCount(words, 2, 2);
                try {
                    yield new ConsoleCommand.Show(ConsoleCommand.Target.valueOf(keyword(words.get(1))));
                } catch (IllegalArgumentException e) {
                    throw unknown(words);
                }
            }
            case "RELOAD" -> {
                expectCount(words, 1, 1);
                yield new ConsoleCommand.Reload();
            }
            case "PAUSE" -> {
                expectCount(words, 1, 2);
                yield new ConsoleCommand.Pause(optionalName(words));
            }
            case "RESUME" -> {
                expectCount(words, 1, 2);
                yield new ConsoleCommand.Resume(optionalName(words));
            }
            case "KILL" -> {
                expectCount(words, 2, 2);
                yield new ConsoleCommand.Kill(name(words.get(1)));
            }
            case "SET" -> {
                String name = words.size() > 1 ? words.get(1).toLowerCase(Locale.ROOT).split("=", 2)[0] : "";
                if (!CLIENT_PARAMETERS.contains(name)) {
                    throw new ConsoleException(SqlState.FEATURE_NOT_SUPPORTED, "the admin console does not change settings"
                            + " with SET; edit the config file and run RELOAD");
                }
                yield new ConsoleCommand.SetParameter(name);
            }
            default -> throw unknown(words);
        };
    }

    private static Optional<String> optionalName(List<String> words) {
        return words.size() == 2 ? Optional.of(name(words.get(1))) : Optional.empty();
    }

    /** A database name: as written in double quotes, else as PostgreSQL folds identifiers (lower case). */
    private static String name(String word) {
        if (word.length() >= 2 && word.startsWith("\"") && word.endsWith("\"")) {
            return word.substring(1, word.length() - 1).replace("\"\"", "\"");
        }
        return word.toLowerCase(Locale.ROOT);
    }

    private static String keyword(String word) {
        return word.toUpperCase(Locale.ROOT);
    }

    private static void expectCount(List<String> words, int min, int max) {
        if (words.size() < min || words.size() > max) {
            throw new ConsoleException(SqlState.SYNTAX_ERROR, "wrong number of arguments for " + keyword(words.get(0))
                    + " in \"" + String.join(" ", words) + "\"; commands: " + COMMANDS);
        }
    }

    private static ConsoleException unknown(List<String> words) {
        return new ConsoleException(SqlState.SYNTAX_ERROR, "unknown admin console command \"" + String.join(" ", words)
                + "\"; commands: " + COMMANDS);
    }

    /** Splits into statements at {@code ;} and each into words at white space, keeping quoted names whole. */
    private static List<List<String>> statements(String sql) {
        List<List<String>> statements = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quoted) {
                word.append(c);
                if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                word.append(c);
                quoted = true;
            } else if (c == ';' || Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (c == ';') {
                    statements.add(words);
                    words = new ArrayList<>();
                }
            } else {
                word.append(c);
            }
        }
        if (quoted) {
            throw new ConsoleException(SqlState.SYNTAX_ERROR, "unterminated quoted identifier in \"" + sql + "\"");
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        statements.add(words);
        return statements;
    }
}
