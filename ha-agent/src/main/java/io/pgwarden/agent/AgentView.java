package io.pgwarden.agent;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.agent.loop.Action;
import io.pgwarden.agent.loop.LocalState;
import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.discovery.patroni.PatroniCluster;
import java.util.Optional;

/**
 * What the agent last saw and did: one immutable snapshot per loop, read by the REST API.
 *
 * @param lastAction    the last loop's decision
 * @param holdsKey      this node holds the leader key and runs the primary
 * @param updatedMillis when the loop published it (wall clock)
 */
public record AgentView(String name, String scope, LocalState local, String lastAction,
                        Optional<PatroniCluster> cluster, boolean holdsKey, long updatedMillis) {

    static AgentView starting(String name, String scope) {
        return new AgentView(name, scope, LocalState.noData(), "starting", Optional.empty(), false,
                System.currentTimeMillis());
    }

    static AgentView of(AgentConfig config, LocalState local, Action action, Optional<PatroniCluster> cluster,
                        boolean holdsKey, PostgresServer postgres, long now) {
        return new AgentView(config.name(), config.scope(), local, action.describe(), cluster, holdsKey, now);
    }
}
