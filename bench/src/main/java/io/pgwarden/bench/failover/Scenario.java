package io.pgwarden.bench.failover;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A fault the failover bench injects into the Patroni cluster, and how it heals it. */
public enum Scenario {

    CRASH("crash", "kill -9 of the leader's Patroni agent and postmaster. Heal: the node's agent is started again"),
    FREEZE("freeze", "SIGSTOP of the leader's Patroni agent only (its PostgreSQL keeps running as a primary), with a"
            + " third probe writing directly to that node's port. Heal: SIGCONT"),
    SWITCHOVER("switchover", "`patronictl switchover --force` to a member of Patroni's choice. Heal: nothing to do"),
    ETCD_PAUSE("etcd-pause", "SIGSTOP of etcd for ttl seconds. Heal: SIGCONT");

    private final String cliName;
    private final String description;

    Scenario(String cliName, String description) {
        this.cliName = cliName;
        this.description = description;
    }

    /** As on the command line and in file names: {@code crash}, {@code etcd-pause}. */
    public String cliName() {
        return cliName;
    }

    public String description() {
        return description;
    }

    /** Whether this scenario adds a probe writing to the old leader's port directly. */
    public boolean probesOldLeaderDirectly() {
        return this == FREEZE;
    }

    /** {@code crash}, {@code freeze}, {@code switchover} or {@code etcd-pause}, any case. */
    public static Scenario parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.cliName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(Scenario::cliName).collect(Collectors.joining(", "))));
    }
}
