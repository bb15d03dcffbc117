package io.pgwarden.router.session;

import io.pgwarden.pool.PoolMode;
import io.pgwarden.router.config.RouterConfig;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Which pool mode a (database, user) gets: the first matching override, else the default. */
public record PoolModes(PoolMode defaultMode, List<Rule> rules) {

    public record Rule(Set<String> databases, Set<String> users, PoolMode mode) {
        boolean matches(String database, String user) {
            return (databases.contains("all") || databases.contains(database))
                    && (users.contains("all") || users.contains(user));
        }
    }

    public PoolModes {
        rules = List.copyOf(rules);
    }

    public static PoolModes from(RouterConfig.Pool pool) {
        return new PoolModes(PoolMode.parse(pool.mode()), pool.overrides().stream()
                .map(o -> new Rule(names(o.database()), names(o.user()), PoolMode.parse(o.mode())))
                .toList());
    }

    private static Set<String> names(String list) {
        return Set.copyOf(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    public PoolMode modeFor(String database, String user) {
        return rules.stream().filter(r -> r.matches(database, user)).map(Rule::mode).findFirst().orElse(defaultMode);
    }
}
