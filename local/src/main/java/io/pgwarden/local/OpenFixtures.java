package io.pgwarden.local;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes fixtures still open when the JVM shuts down normally: Ctrl-C or SIGTERM of
 * {@code pgwarden demo}, or a test run that forgot close(). (kill -9 is the reaper's job.)
 *
 * <p>This set is the module's one piece of static mutable state besides {@link FreePorts}'s cursor:
 * a shutdown hook can only reach fixtures through a static field.
 */
final class OpenFixtures {

    private static final Logger LOG = LoggerFactory.getLogger(OpenFixtures.class);

    private static final Set<AutoCloseable> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(OpenFixtures::closeAll, "pgwarden-local-shutdown"));
    }

    private OpenFixtures() {
    }

    static void add(AutoCloseable fixture) {
        OPEN.add(fixture);
    }

    static void remove(AutoCloseable fixture) {
        OPEN.remove(fixture);
    }

    private static void closeAll() {
        for (AutoCloseable fixture : List.copyOf(OPEN)) {
            try {
                fixture.close();
            } catch (Exception e) {
                LOG.warn("Could not close {} at shutdown", fixture, e);
            }
        }
    }
}
