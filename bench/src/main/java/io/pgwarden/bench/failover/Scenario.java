package io.pgwarden.bench.failover;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A fault the failover bench injects into the cluster, and how it heals it. "Agent": Patroni or a pgwarden agent. */
public enum Scenario {

    NODE_CRASH("node-crash", "kill -9 of the leader's agent and postmaster. Heal: the node's agent is started again"),
    POSTGRES_CRASH("postgres-crash", "kill -9 of the leader's postmaster and its children, the agent keeps running."
            + " Heal: nothing to do (the agent is expected to start PostgreSQL again)"),
    FREEZE("freeze", "SIGSTOP of the leader's agent only (its PostgreSQL keeps running as a primary) for 3 × ttl, with"
            + " a probe writing directly to that node's port. Heal: SIGCONT"),
    SWITCHOVER("switchover", "a planned switchover. On pgwarden's agents `POST /switchover` to the leader's REST API"
            + " with the synchronous standby as candidate (what `patronictl switchover --force --leader X --candidate Y`"
            + " posts): the leader announces a drain, the router holds new transactions, lets those in flight finish and"
            + " acknowledges, then the old primary stops and the candidate is promoted. On Patroni `patronictl switchover"
            + " --force` to a member of Patroni's choice: Patroni stops the old primary without waiting for any proxy."
            + " Heal: nothing to do"),
    ETCD_PAUSE("etcd-pause", "SIGSTOP of etcd for ttl seconds. Heal: SIGCONT");

    /** Names of earlier versions still accepted on the command line. */
    private static final Map<String, Scenario> ALIASES = Map.of("crash", NODE_CRASH);

    private final String cliName;
    private final String description;

    Scenario(String cliName, String description) {
        this.cliName = cliName;
        this.description = description;
    }

    /** As on the command line and in file names: {@code node-crash}, {@code etcd-pause}. */
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

    /** A command-line name ({@code node-crash}, ..., or {@code crash}), any case. */
    public static Scenario parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.cliName.equals(wanted)).findFirst()
                .or(() -> Optional.ofNullable(ALIASES.get(wanted)))
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(Scenario::cliName).collect(Collectors.joining(", "))));
    }
}
