package io.pgwarden.agent.control;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.agent.config.AgentConfigException;
import io.pgwarden.agent.config.AgentConfigLoader;
import io.pgwarden.agent.postgres.PostgresServer;
import io.pgwarden.agent.rest.BasicAuth;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /reload} (and what Patroni does on SIGHUP): reads the agent's file again and applies what can
 * change while it runs — {@code restapi.authentication} at once, {@code postgresql.parameters} through the
 * HA loop (rewritten and reloaded into PostgreSQL). Other changed keys are logged: they take effect when the
 * agent restarts. A file that no longer loads changes nothing; the error is logged.
 */
public final class ConfigReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final AgentConfigLoader loader;
    private final AtomicReference<AgentConfig> current;
    private final PendingRequests pending;
    private final PostgresServer postgres;
    private final Consumer<Optional<BasicAuth>> authentication;

    public ConfigReloader(Path file, AgentConfig loaded, AgentConfigLoader loader, PendingRequests pending,
                          PostgresServer postgres, Consumer<Optional<BasicAuth>> authentication) {
        this.file = file;
        this.loader = loader;
        this.current = new AtomicReference<>(loaded);
        this.pending = pending;
        this.postgres = postgres;
        this.authentication = authentication;
    }

    /** The REST API's auth from a config: the user of {@code restapi.authentication}, if set. */
    public static Optional<BasicAuth> authentication(AgentConfig config) {
        return Optional.ofNullable(config.restapi().authentication()).map(u -> new BasicAuth(u.username(), u.password()));
    }

    /** Re-reads the file now; PostgreSQL's part runs in the loop's next turn. Does not block on it. */
    public void reload() {
        AgentConfig next;
        try {
            next = loader.load(file);
        } catch (AgentConfigException e) {
            LOG.error("Reload: the configuration file cannot be used, nothing changed: {}", e.getMessage());
            return;
        }
        AgentConfig before = current.getAndSet(next);
        List<String> restartOnly = changedKeys(before, next);
        if (!restartOnly.isEmpty()) {
            LOG.warn("Reload: changed keys {} take effect when the agent restarts", restartOnly);
        }
        if (!Objects.equals(before.restapi().authentication(), next.restapi().authentication())) {
            authentication.accept(authentication(next));
            LOG.info("Reload: REST API authentication {}", next.restapi().authentication() == null ? "off" : "changed");
        }
        if (!before.postgresql().parameters().equals(next.postgresql().parameters())) {
            pending.submit(new ControlRequest.Reload(() -> {
                postgres.setNodeParameters(next.postgresql().parameters());
                if (postgres.isRunning()) {
                    postgres.reload();
                }
                LOG.info("Reload: postgresql.parameters now {}", next.postgresql().parameters());
            }));
        }
        if (restartOnly.isEmpty() && before.equals(next)) {
            LOG.info("Reload: no changes in {}", file);
        }
    }

    /** Top-level keys (and postgresql, restapi sub-keys) that differ, other than what a reload applies. */
    static List<String> changedKeys(AgentConfig before, AgentConfig next) {
        List<String> changed = new ArrayList<>();
        for (RecordComponent c : AgentConfig.class.getRecordComponents()) {
            Object a = value(c, before);
            Object b = value(c, next);
            if (a instanceof AgentConfig.Postgresql pa && b instanceof AgentConfig.Postgresql pb) {
                diff("postgresql.", AgentConfig.Postgresql.class, pa, pb, "parameters", changed);
            } else if (a instanceof AgentConfig.RestApi ra && b instanceof AgentConfig.RestApi rb) {
                diff("restapi.", AgentConfig.RestApi.class, ra, rb, "authentication", changed);
            } else if (!Objects.equals(a, b)) {
                changed.add(snake(c.getName()));
            }
        }
        return changed;
    }

    private static void diff(String prefix, Class<? extends Record> type, Record a, Record b, String applied,
                             List<String> changed) {
        for (RecordComponent c : type.getRecordComponents()) {
            if (!c.getName().equals(applied) && !Objects.equals(value(c, a), value(c, b))) {
                changed.add(prefix + snake(c.getName()));
            }
        }
    }

    private static String snake(String name) {
        return name.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Object value(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
