package io.pgwarden.router.auth;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** Rules tried in order; the first match decides, and no match means the client is refused. */
public record HbaRules(List<HbaRule> rules) {

    public HbaRules {
        rules = List.copyOf(rules);
    }

    /** As a client without TLS. */
    public Optional<AuthMethod> methodFor(String database, String user, InetAddress client) {
        return methodFor(database, user, client, false);
    }

    /** @param encrypted whether the client is on TLS */
    public Optional<AuthMethod> methodFor(String database, String user, InetAddress client, boolean encrypted) {
        return rules.stream().filter(r -> r.matches(database, user, client, encrypted)).map(HbaRule::method).findFirst();
    }
}
