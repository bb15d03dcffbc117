package io.pgwarden.router.session;

import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.auth.CredentialStore;
import io.pgwarden.router.auth.HbaRules;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;

/**
 * What every client session shares: routing, pools, the registry and metrics, the admin console,
 * the checkouts held for a writable primary,
 * and the reloadable settings, read through {@link LiveSettings} each time they are needed so a
 * reload applies to the next login or checkout.
 */
public record SessionContext(LiveSettings settings, Router router, ServerPools pools, ClientRegistry registry,
                             CancelForwarder cancels, RouterMetrics metrics, ConsoleGate console, PrimaryHold primaryHold) {

    /** With a {@link PrimaryHold} of its own for the router's held checkouts. */
    public SessionContext(LiveSettings settings, Router router, ServerPools pools, ClientRegistry registry,
                          CancelForwarder cancels, RouterMetrics metrics, ConsoleGate console) {
        this(settings, router, pools, registry, cancels, metrics, console, new PrimaryHold(router));
    }

    public HbaRules hba() {
        return settings.current().hba();
    }

    public CredentialStore credentials() {
        return settings.current().credentials();
    }

    public RouterConfig.Limits limits() {
        return settings.current().limits();
    }

    public PoolModes poolModes() {
        return settings.current().poolModes();
    }

    /** Per server connection in transaction mode. */
    public int maxPreparedStatements() {
        return settings.current().maxPreparedStatements();
    }
}
