package io.pgwarden.router.reload;

import io.pgwarden.pool.PoolSettings;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.ConfigLoader;
import io.pgwarden.router.config.FlatConfig;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingSettings;
import io.pgwarden.router.session.LiveSettings;
import io.pgwarden.router.session.ReloadableSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Re-reads the router's config file and puts what may change at runtime in force: hba rules,
 * users (the auth file is re-read), limits, pool sizes, timeouts and modes, routing settings,
 * the admin console's users. Connected clients are not touched; new values apply at the next
 * login or checkout. Keys that cannot change while running keep their old values (logged once at
 * WARN). A file that fails to load changes nothing at all: everything that can fail runs before
 * anything is swapped.
 */
public final class ConfigReloader {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final ConfigLoader loader;
    private final LiveSettings live;
    private final ServerPools pools;
    private final Router router;
    private final Runnable replayTopology;
    private volatile RouterConfig current;
    private byte[] authDigest;

    /**
     * @param file           the config file to re-read, or null when the router was started from a
     *                       config object (then only {@link #apply} works)
     * @param replayTopology hands the current topology to the router and the fencer again, so new
     *                       routing settings (max_lag) take effect without waiting for a change
     */
    public ConfigReloader(Path file, RouterConfig initial, LiveSettings live, ServerPools pools, Router router,
                          Runnable replayTopology) {
        this.file = file;
        this.loader = new ConfigLoader();
        this.current = initial;
        this.live = live;
        this.pools = pools;
        this.router = router;
        this.replayTopology = replayTopology;
        this.authDigest = digest(initial.auth().file());
    }

    /** The config in force: the last one applied, with the fixed keys as the router started. */
    public RouterConfig current() {
        return current;
    }

    /** Re-reads the config file; a bad file throws {@link ConfigException} and changes nothing. */
    public synchronized ReloadResult reload() {
        if (file == null) {
            throw new ConfigException("the router was not started from a config file: nothing to reload");
        }
        return apply(loader.load(file), file.toString());
    }

    /** Puts {@code next} in force as far as it may change at runtime; {@code source} names it in errors. */
    public synchronized ReloadResult apply(RouterConfig next, String source) {
        ReloadableSettings settings = ReloadableSettings.from(next, source);
        PoolSettings poolSettings = poolSettings(next.pool());
        byte[] newAuthDigest = digest(next.auth().file());

        Map<String, String> before = FlatConfig.of(current);
        List<String> changed = FlatConfig.changedKeys(before, FlatConfig.of(next));
        List<String> applied = new ArrayList<>(changed.stream().filter(FlatConfig::isReloadable).toList());
        List<String> needRestart = changed.stream().filter(k -> !FlatConfig.isReloadable(k)).toList();
        if (!Arrays.equals(authDigest, newAuthDigest) && !applied.contains("auth.file")) {
            applied.add("auth.file (users)");
        }

        // Nothing below can fail on a checked config.
        live.replace(settings);
        pools.updateSettings(key -> poolSettings);
        router.updateSettings(routingSettings(next.routing()));
        replayTopology.run();
        current = keepFixed(current, next);
        authDigest = newAuthDigest;

        if (applied.isEmpty()) {
            log.info("config reloaded from {}: nothing to change", source);
        } else {
            log.info("config reloaded from {}: {}", source, String.join(", ", applied));
        }
        if (!needRestart.isEmpty()) {
            log.warn("config reload from {}: {} cannot change while the router runs; kept the running values (restart to apply)",
                    source, String.join(", ", needRestart));
        }
        return new ReloadResult(applied, needRestart);
    }

    public static PoolSettings poolSettings(RouterConfig.Pool pool) {
        return new PoolSettings(pool.minSize(), pool.maxSize(), pool.idleTimeout(), pool.maxLifetime(),
                pool.poolTimeout(), pool.resetQuery());
    }

    public static RoutingSettings routingSettings(RouterConfig.Routing routing) {
        return new RoutingSettings(routing.replicaFallbackToPrimary(), routing.maxLag().bytes(),
                routing.fenceReplicasOnIsolation(), routing.connectWaitTimeout());
    }

    /** {@code next} with the sections that cannot change at runtime taken from {@code running}. */
    private static RouterConfig keepFixed(RouterConfig running, RouterConfig next) {
        RouterConfig.Admin admin = next.admin();
        return new RouterConfig(running.listen(), running.topology(), next.auth(), next.pool(), next.limits(),
                next.routing(), running.server(), running.dcs(),
                new RouterConfig.Admin(running.admin().host(), running.admin().httpPort(), admin.database(),
                        admin.users(), admin.pauseTimeout()), running.tls());
    }

    /** A fingerprint of the auth file, to tell whether its users changed; null if there is none. */
    private static byte[] digest(Path authFile) {
        if (authFile == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(authFile));
        } catch (IOException | NoSuchAlgorithmException e) {
            return new byte[0];
        }
    }
}
