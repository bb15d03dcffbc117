package io.pgwarden.discovery.patroni;

import java.util.Objects;
import java.util.Optional;

/**
 * Where Patroni keeps a cluster's keys: everything under {@code /<namespace>/<scope>/}, namespace
 * {@code /service/} unless configured. Slashes are normalised the way Patroni does it, so
 * {@code service}, {@code /service} and {@code /service/} name the same namespace.
 */
public final class PatroniKeys {

    public static final String DEFAULT_NAMESPACE = "/service/";

    public static final String LEADER = "leader";
    public static final String CONFIG = "config";
    public static final String FAILOVER = "failover";
    public static final String SYNC = "sync";
    public static final String STATUS = "status";
    public static final String LEADER_OPTIME = "optime/leader";
    public static final String HISTORY = "history";
    public static final String INITIALIZE = "initialize";
    public static final String FAILSAFE = "failsafe";
    public static final String MEMBERS = "members/";

    private final String scope;
    private final String prefix;

    public PatroniKeys(String namespace, String scope) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        if (scope.isBlank() || scope.contains("/")) {
            throw new IllegalArgumentException("scope must be a non-empty name without '/': \"" + scope + "\"");
        }
        this.scope = scope;
        this.prefix = ("/" + namespace + "/" + scope + "/").replaceAll("/+", "/");
    }

    /** The keys of {@code scope} in the default namespace. */
    public static PatroniKeys of(String scope) {
        return new PatroniKeys(DEFAULT_NAMESPACE, scope);
    }

    public String scope() {
        return scope;
    }

    /** {@code /<namespace>/<scope>/}, with the trailing slash: watch and list this prefix. */
    public String prefix() {
        return prefix;
    }

    public String leader() {
        return prefix + LEADER;
    }

    public String config() {
        return prefix + CONFIG;
    }

    public String failover() {
        return prefix + FAILOVER;
    }

    public String sync() {
        return prefix + SYNC;
    }

    public String status() {
        return prefix + STATUS;
    }

    /** The legacy {@code optime/leader} key (plain LSN), written only while a member older than 2.1 runs. */
    public String leaderOptime() {
        return prefix + LEADER_OPTIME;
    }

    public String history() {
        return prefix + HISTORY;
    }

    public String initialize() {
        return prefix + INITIALIZE;
    }

    public String failsafe() {
        return prefix + FAILSAFE;
    }

    /** {@code /<namespace>/<scope>/members/}. */
    public String membersPrefix() {
        return prefix + MEMBERS;
    }

    public String member(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("member name must be non-empty and without '/': \"" + name + "\"");
        }
        return prefix + MEMBERS + name;
    }

    /** The key's path below {@link #prefix()} ({@code leader}, {@code members/a}), if it is below it. */
    public Optional<String> relative(String key) {
        return key.startsWith(prefix) && key.length() > prefix.length()
                ? Optional.of(key.substring(prefix.length()))
                : Optional.empty();
    }

    /** The member name for a {@code members/<name>} key; empty for any other key. */
    public Optional<String> memberName(String key) {
        return relative(key)
                .filter(r -> r.startsWith(MEMBERS) && r.length() > MEMBERS.length() && r.indexOf('/', MEMBERS.length()) < 0)
                .map(r -> r.substring(MEMBERS.length()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PatroniKeys other && prefix.equals(other.prefix);
    }

    @Override
    public int hashCode() {
        return prefix.hashCode();
    }

    @Override
    public String toString() {
        return "PatroniKeys[" + prefix + "]";
    }
}
