package io.pgwarden.launcher;

import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.listener.RouterServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code kill -HUP <pid>} re-reads the router's config file, as PostgreSQL and PgBouncer do. A bad
 * file is logged at ERROR, naming the key and the file, and the running config stays in force.
 */
final class ReloadOnSighup {

    private static final Logger log = LoggerFactory.getLogger(ReloadOnSighup.class);

    private ReloadOnSighup() {
    }

    static void install(RouterServer router) {
        // The JVM runs signal handlers on a thread of their own: reading the file there blocks no event loop.
        Signal.handle(new Signal("HUP"), signal -> {
            log.info("SIGHUP: reloading the config file");
            try {
                router.reload();
            } catch (ConfigException e) {
                log.error("config reload rejected, the running config stays in force: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.error("config reload failed, the running config stays in force", e);
            }
        });
    }
}
