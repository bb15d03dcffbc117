package io.pgwarden.router.session;

import io.pgwarden.pool.protocol.frontend.Parse;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A transaction-mode client's named prepared statements. Each gets a server-side name unique to
 * this client ({@code pgw_<client>_<n>}), so it can be re-prepared on whichever server
 * connection serves the client next without ever clashing with another client's statement.
 */
final class ClientStatements {

    private final String prefix;
    private final Map<String, Parse> byClientName = new HashMap<>();
    private long next;

    ClientStatements(long clientId) {
        this.prefix = "pgw_" + Long.toHexString(clientId) + "_";
    }

    /** Registers the client's Parse and returns it renamed for the server. */
    Parse register(Parse clientParse) {
        Parse serverParse = clientParse.withName(prefix + (next++));
        byClientName.put(clientParse.name(), serverParse);
        return serverParse;
    }

    /** The server-side Parse for a client's statement name. */
    Optional<Parse> lookup(String clientName) {
        return Optional.ofNullable(byClientName.get(clientName));
    }

    Optional<Parse> remove(String clientName) {
        return Optional.ofNullable(byClientName.remove(clientName));
    }

    void clear() {
        byClientName.clear();
    }
}
