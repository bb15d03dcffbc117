package io.pgwarden.router.auth;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** Rules tried in order; the first match decides, and no match means the client is refused. */
public record HbaRules(List<HbaRule> rules) {

    public HbaRules {
        rules = List.copyOf(rules);
    }

    public Optional<AuthMethod> methodFor(String database, String user, InetAddress client) {
        return rules.stream().filter(r -> r.matches(database, user, client)).map(HbaRule::method).findFirst();
    }
}
