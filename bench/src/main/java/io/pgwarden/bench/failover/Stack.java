package io.pgwarden.bench.failover;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What keeps the cluster highly available in a run: pgwarden's agents, or Patroni. */
public enum Stack {

    AGENTS("agents"),
    PATRONI("patroni");

    private final String cliName;

    Stack(String cliName) {
        this.cliName = cliName;
    }

    /** As on the command line: {@code agents}, {@code patroni}. */
    public String cliName() {
        return cliName;
    }

    /** {@code agents} or {@code patroni}, any case. */
    public static Stack parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.cliName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown stack '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(Stack::cliName).collect(Collectors.joining(", "))));
    }
}
