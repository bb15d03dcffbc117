package io.pgwarden.launcher;

import io.pgwarden.agent.AgentMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgwarden agent -c node.yml}: the HA agent of one PostgreSQL node, in the foreground. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the HA agent of one PostgreSQL node (Patroni's etcd layout and REST API).")
final class AgentCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, description = "the node's YAML file (see conf/node1.yml)")
    Path config;

    @Override
    public Integer call() {
        return AgentMain.run(config);
    }
}
