package io.pgwarden.router.session;

import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.auth.CredentialStore;
import io.pgwarden.router.auth.HbaRules;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;

/**
 * What every client session shares: rules, secrets, routing, pools, the registry and metrics.
 *
 * @param maxPreparedStatements per server connection in transaction mode
 */
public record SessionContext(HbaRules hba, CredentialStore credentials, Router router, ServerPools pools,
                             ClientRegistry registry, CancelForwarder cancels, RouterConfig.Limits limits,
                             PoolModes poolModes, int maxPreparedStatements, RouterMetrics metrics) {
}
