package io.pgwarden.agent.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * initdb options written Patroni's way, a long option's name without dashes and an optional value:
 * {@code data-checksums} becomes {@code --data-checksums}, {@code encoding=UTF8} {@code --encoding=UTF8}.
 */
final class InitdbOptions {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    /** Set by the agent itself (data directory, superuser and its password) or not a bootstrap at all. */
    private static final Set<String> RESERVED = Set.of("pgdata", "username", "pwfile", "pwprompt", "sync-only",
            "show", "help", "version");

    private InitdbOptions() {
    }

    /**
     * initdb's arguments for {@code options}.
     *
     * @throws IllegalArgumentException for a malformed option or one the agent sets itself
     */
    static List<String> toArguments(List<String> options) {
        List<String> args = new ArrayList<>(options.size());
        for (String option : options) {
            int eq = option.indexOf('=');
            String name = (eq < 0 ? option : option.substring(0, eq)).strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("initdb option '" + option
                        + "' is not a long option's name without dashes, optionally =value (e.g. encoding=UTF8)");
            }
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("initdb option '" + name + "' is set by the agent itself");
            }
            args.add(eq < 0 ? "--" + name : "--" + name + "=" + option.substring(eq + 1).strip());
        }
        return args;
    }
}
