package io.pgwarden.agent.dynamic;

import io.pgwarden.agent.postgres.PostgresException;
import io.pgwarden.agent.postgres.PostgresServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local server on the cluster's {@code postgresql.parameters} from the {@code config} key:
 * when they change, the agent's configuration file is rewritten and a running server reloaded, within
 * the loop that saw the change. Settings that need a restart are not restarted for: PostgreSQL then
 * reports them in {@code pg_settings.pending_restart}, which the agent publishes as Patroni does.
 */
public final class ParameterSync {

    private static final Logger LOG = LoggerFactory.getLogger(ParameterSync.class);

    private final PostgresServer postgres;
    private Map<String, Object> applied; // null until the first apply

    public ParameterSync(PostgresServer postgres) {
        this.postgres = Objects.requireNonNull(postgres, "postgres");
    }

    /** Applies {@code parameters} if they differ from what was last applied; no-op without a data directory. */
    public void apply(Map<String, Object> parameters) {
        if (parameters.equals(applied) || !postgres.hasDataDirectory()) {
            return;
        }
        Map<String, Object> previous = applied;
        postgres.configure(parameters);
        applied = new LinkedHashMap<>(parameters);
        // On the first loop too: a server left running by an earlier agent may have older settings.
        if (postgres.isRunning()) {
            try {
                postgres.reload();
            } catch (PostgresException e) {
                LOG.warn("Wrote the new cluster parameters, but the reload failed: {}", e.getMessage());
                return;
            }
        }
        LOG.info("Cluster parameters {} ({}): configuration rewritten{}", previous == null ? "applied" : "changed",
                changed(previous == null ? Map.of() : previous, parameters),
                postgres.isRunning() ? " and PostgreSQL reloaded" : "");
    }

    /** Names set, changed or unset between two parameter maps, sorted. */
    static TreeSet<String> changed(Map<String, Object> before, Map<String, Object> after) {
        TreeSet<String> names = new TreeSet<>();
        after.forEach((name, value) -> {
            if (!before.containsKey(name) || !Objects.equals(before.get(name), value)) {
                names.add(name);
            }
        });
        before.keySet().stream().filter(name -> !after.containsKey(name)).forEach(names::add);
        return names;
    }
}
