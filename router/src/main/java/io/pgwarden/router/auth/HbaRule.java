package io.pgwarden.router.auth;

import io.pgwarden.router.config.RouterConfig;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Set;

/**
 * One line of host-based authentication: which databases, users and client addresses it covers,
 * over which transport, and the method they must use. {@code all} matches anything; lists are
 * comma-separated.
 *
 * @param tls {@code true} for TLS clients only (PostgreSQL's hostssl), {@code false} for plain ones
 *            only (hostnossl), null for both (host)
 */
public record HbaRule(Set<String> databases, Set<String> users, AddressRange address, AuthMethod method, Boolean tls) {

    public HbaRule(Set<String> databases, Set<String> users, AddressRange address, AuthMethod method) {
        this(databases, users, address, method, null);
    }

    public static HbaRule from(RouterConfig.HbaEntry entry) {
        return new HbaRule(names(entry.database()), names(entry.user()),
                AddressRange.parse(entry.address()), AuthMethod.parse(entry.method()), entry.tls());
    }

    private static Set<String> names(String list) {
        return Set.copyOf(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    /** As a client without TLS. */
    public boolean matches(String database, String user, InetAddress client) {
        return matches(database, user, client, false);
    }

    public boolean matches(String database, String user, InetAddress client, boolean encrypted) {
        return (databases.contains("all") || databases.contains(database))
                && (users.contains("all") || users.contains(user))
                && address.contains(client)
                && (tls == null || tls == encrypted);
    }
}
