package io.pgwarden.launcher;

import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.ConfigLoader;
import io.pgwarden.router.config.RouterConfig;
import io.pgwarden.router.listener.RouterServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pgwarden router -c router.yml}: runs the router in the foreground until signalled;
 * SIGHUP re-reads the config file.
 * For a quick look at an existing Patroni cluster it also starts from flags alone, e.g.
 * {@code pgwarden router --etcd http://127.0.0.1:2379 --scope demo --auth trust}.
 */
@Command(name = "router", mixinStandardHelpOptions = true, description = "Run the router (ports 5000/5001 by default).")
final class RouterCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "the router's YAML config file")
    Path config;

    @Option(names = "--etcd", split = ",", description = "etcd endpoints to follow a Patroni cluster from (no config file)")
    List<String> etcd;

    @Option(names = "--namespace", defaultValue = "/service/", description = "Patroni namespace (default ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--scope", description = "Patroni scope: the cluster's name")
    String scope;

    @Option(names = "--auth", defaultValue = "scram-sha-256",
            description = "client authentication for everyone: scram-sha-256, md5 or trust (default ${DEFAULT-VALUE})")
    String auth;

    @Option(names = "--auth-file", description = "userlist.txt with the users' secrets")
    Path authFile;

    @Override
    public Integer call() throws Exception {
        RouterServer router;
        if (config != null) {
            router = RouterServer.start(config);
            ReloadOnSighup.install(router);
        } else {
            router = RouterServer.start(fromFlags());
        }
        ForegroundProcess.awaitShutdown(router);
        return 0;
    }

    private RouterConfig fromFlags() {
        if (etcd == null || etcd.isEmpty() || scope == null) {
            throw new ConfigException("give a config file (-c router.yml), or --etcd and --scope to follow a Patroni cluster");
        }
        String yaml = String.join("\n",
                "dcs:",
                "  etcd: [" + String.join(", ", etcd) + "]",
                "  namespace: '" + namespace + "'",
                "  scope: '" + scope + "'",
                "auth:",
                authFile == null ? "" : "  file: '" + authFile.toAbsolutePath() + "'",
                "  hba: [{method: " + auth + "}]");
        return new ConfigLoader().parse(yaml, "command-line flags", Path.of("."));
    }
}
