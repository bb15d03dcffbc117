package io.pgwarden.router.admin.console;

import io.netty.util.concurrent.EventExecutor;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.reload.ConfigReloader;
import io.pgwarden.router.reload.ReloadResult;
import io.pgwarden.router.session.ClientRegistry;
import io.pgwarden.router.session.ClientSession;
import io.pgwarden.router.session.LiveSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The console commands that change what the router does: RELOAD, PAUSE, RESUME, KILL. */
final class ControlCommands {

    private static final Logger log = LoggerFactory.getLogger(ControlCommands.class);
    /** How often PAUSE looks whether the pools are drained. */
    private static final long PAUSE_CHECK_MILLIS = 20;

    private final LiveSettings settings;
    private final ConfigReloader reloader;
    private final Executor blockingTasks;
    private final ServerPools pools;
    private final ClientRegistry registry;

    ControlCommands(LiveSettings settings, ConfigReloader reloader, Executor blockingTasks, ServerPools pools,
                    ClientRegistry registry) {
        this.settings = settings;
        this.reloader = reloader;
        this.blockingTasks = blockingTasks;
        this.pools = pools;
        this.registry = registry;
    }

    /** Reads the file off the event loops; a bad file becomes an error naming the key and the file. */
    CompletableFuture<ResultSet> reload(String admin) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                log.info("admin {} asked for a config reload", admin);
                ReloadResult result = reloader.reload();
                ResultSet.Builder rows = ResultSet.builder("RELOAD").text("key", "status");
                result.applied().forEach(key -> rows.row(key, "applied"));
                result.needRestart().forEach(key -> rows.row(key, "needs a restart (running value kept)"));
                return rows.build();
            } catch (ConfigException e) {
                log.error("config reload asked by admin {} rejected, the running config stays in force: {}", admin,
                        e.getMessage());
                throw new ConsoleException(SqlState.CONFIG_FILE_ERROR, "config reload rejected, the running config stays"
                        + " in force: " + e.getMessage());
            }
        }, blockingTasks);
    }

    /**
     * Holds new work for the database(s), then waits until every server connection of them is
     * given back (clients finish their transactions; session-mode clients must log out). Gives up
     * after admin.pause_timeout, undoing its own pause.
     */
    CompletableFuture<ResultSet> pause(Optional<String> database, String admin, EventExecutor loop) {
        boolean alreadyPaused = database.map(pools::isPaused).orElse(false);
        pools.pause(database);
        Duration timeout = settings.current().admin().pauseTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        String what = database.map(db -> "database \"" + db + "\"").orElse("all databases");
        log.info("admin {} pauses {}", admin, what);
        CompletableFuture<ResultSet> done = new CompletableFuture<>();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (pools.isDrained(database)) {
                    log.info("{} paused", what);
                    done.complete(ResultSet.tagOnly("PAUSE"));
                } else if (System.nanoTime() - deadline > 0) {
                    if (!alreadyPaused) {
                        pools.resume(database);
                    }
                    log.warn("PAUSE of {} gave up after admin.pause_timeout ({} ms)", what, timeout.toMillis());
                    done.completeExceptionally(new ConsoleException(SqlState.QUERY_CANCELED, "could not pause " + what
                            + " within admin.pause_timeout (" + timeout.toMillis() + " ms): server connections are still"
                            + " in use (session-mode clients keep theirs until they log out); nothing was paused"));
                } else {
                    loop.schedule(this, PAUSE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
        return done;
    }

    ResultSet resume(Optional<String> database, String admin) {
        if (database.isPresent() && pools.isAllPaused()) {
            throw new ConsoleException(SqlState.FEATURE_NOT_SUPPORTED,
                    "all databases are paused: RESUME without a database name resumes them");
        }
        if (database.isPresent() && !pools.isPaused(database.get())) {
            throw new ConsoleException(SqlState.FEATURE_NOT_SUPPORTED, "database \"" + database.get() + "\" is not paused");
        }
        pools.resume(database);
        log.info("admin {} resumed {}", admin, database.map(db -> "database \"" + db + "\"").orElse("all databases"));
        return ResultSet.tagOnly("RESUME");
    }

    /** Cuts every client of the database (57P01) and closes its server connections. */
    ResultSet kill(String database, String admin) {
        if (database.equals(settings.current().admin().database())) {
            throw new ConsoleException(SqlState.FEATURE_NOT_SUPPORTED, "KILL of the admin console's own database");
        }
        List<ClientSession> victims = new ArrayList<>();
        registry.forEachSession(session -> {
            if (database.equals(session.database())) {
                victims.add(session);
            }
        });
        String message = "terminating connection: database \"" + database + "\" was killed from the admin console";
        victims.forEach(session -> session.terminate(message));
        pools.closeDatabase(database);
        log.info("admin {} killed database \"{}\": {} clients cut", admin, database, victims.size());
        return ResultSet.tagOnly("KILL");
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
