package io.pgwarden.router.auth;

import io.pgwarden.router.config.RouterConfig;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Set;

/**
 * One line of host-based authentication: which databases, users and client addresses it covers,
 * and the method they must use. {@code all} matches anything; lists are comma-separated.
 */
public record HbaRule(Set<String> databases, Set<String> users, AddressRange address, AuthMethod method) {

    public static HbaRule from(RouterConfig.HbaEntry entry) {
        return new HbaRule(names(entry.database()), names(entry.user()),
                AddressRange.parse(entry.address()), AuthMethod.parse(entry.method()));
    }

    private static Set<String> names(String list) {
        return Set.copyOf(Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    public boolean matches(String database, String user, InetAddress client) {
        return (databases.contains("all") || databases.contains(database))
                && (users.contains("all") || users.contains(user))
                && address.contains(client);
    }
}
