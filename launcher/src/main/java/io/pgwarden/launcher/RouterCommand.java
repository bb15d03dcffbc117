package io.pgwarden.launcher;

import io.pgwarden.router.config.ConfigLoader;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code pgwarden router -c router.yml}: runs the router in the foreground until signalled. */
@Command(name = "router", mixinStandardHelpOptions = true, description = "Run the router (ports 5000/5001 by default).")
final class RouterCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the router's YAML config file")
    Path config;

    @Override
    public Integer call() throws Exception {
        RouterConfig routerConfig = new ConfigLoader().load(config);
        RouterServer router = RouterServer.start(routerConfig);
        ForegroundProcess.awaitShutdown(router);
        return 0;
    }
}
