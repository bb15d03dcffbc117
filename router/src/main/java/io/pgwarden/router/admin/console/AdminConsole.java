package io.pgwarden.router.admin.console;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.pgwarden.pool.ServerPools;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.reload.ConfigReloader;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.session.ClientRegistry;
import io.pgwarden.router.session.ConsoleGate;
import io.pgwarden.router.session.LiveSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;

/**
 * The admin console, PgBouncer-style: a virtual database ({@code admin.database}) on both client
 * ports. Users listed in {@code admin.users} who log in to it (through the same hba rules and auth
 * file as every client) get SHOW, RELOAD, PAUSE, RESUME and KILL; anyone else asking for that
 * database is refused right after authenticating, so the refusal tells nothing to someone without
 * a password. With no admin users the console is off and the name is an ordinary database.
 */
public final class AdminConsole implements ConsoleGate {

    private static final Logger log = LoggerFactory.getLogger(AdminConsole.class);

    private final LiveSettings settings;
    private final ConsoleCommandParser parser = new ConsoleCommandParser();
    private final ConsoleCommands commands;

    /** @param blockingTasks where file reading (RELOAD) runs, off the event loops */
    public AdminConsole(LiveSettings settings, ConfigReloader reloader, Executor blockingTasks, ServerPools pools,
                        ClientRegistry registry, Router router, RouterMetrics metrics) {
        this.settings = settings;
        this.commands = new ConsoleCommands(
                new ShowCommands(settings, reloader, pools, registry, router, metrics),
                new ControlCommands(settings, reloader, blockingTasks, pools, registry));
    }

    @Override
    public boolean claims(String database) {
        return settings.current().isConsoleDatabase(database);
    }

    @Override
    public void open(ChannelHandlerContext client, String user, String database, ListenerRole role) {
        String from = String.valueOf(client.channel().remoteAddress());
        if (!settings.current().adminUsers().contains(user)) {
            log.info("admin console refused user \"{}\" from {}: not listed in admin.users", user, from);
            client.writeAndFlush(ErrorResponse.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for database \""
                    + database + "\": it is pgwarden's admin console, and admin.users does not list user \"" + user + "\""))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        log.info("admin console login: user \"{}\" from {} ({} port)", user, from, role.name().toLowerCase(java.util.Locale.ROOT));
        client.pipeline().addBefore(client.name(), "console", new ConsoleSession(user, parser, commands));
    }
}
