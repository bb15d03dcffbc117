package io.pgwarden.agent.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.agent.config.AgentConfig;
import io.pgwarden.agent.config.AgentConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a node file says, read back through the agent's own (strict) loader. */
class NodeYamlTest {

    private static final Path DATA = Path.of("/tmp/pgwarden-node-yaml-test/node1/data");
    private final LocalCluster.Options options = LocalCluster.Options.defaults("yaml");

    @Test
    void aLoopbackNodeListensOn127001AndKeepsTheAgentsPgHbaDefaults() {
        AgentConfig config = parse(NodeYaml.render("node1", options,
                NodePlacement.loopback(List.of("http://127.0.0.1:2379")), 5432, 8008, DATA, Map.of()));

        assertThat(config.postgresql().listen()).isEqualTo("127.0.0.1:5432");
        assertThat(config.restapi().listen()).isEqualTo("127.0.0.1:8008");
        assertThat(config.etcd().hosts()).containsExactly("http://127.0.0.1:2379");
        AgentConfig defaults = new AgentConfig("n", "s", null, null, null, null, null, null, null, null, null, null);
        assertThat(config.postgresql().pgHba()).isEqualTo(defaults.postgresql().pgHba());
    }

    @Test
    void aPlacedNodeListensAndDialsWhereItsPlacementSays() {
        NodePlacement placement = new NodePlacement("10.213.2.2", List.of("http://10.213.3.1:2379"),
                List.of("ip", "netns", "exec", "lab-n1"),
                List.of("local all all trust", "host all all 10.213.0.0/16 scram-sha-256"));

        AgentConfig config = parse(NodeYaml.render("node1", options, placement, 5432, 8008, DATA, Map.of()));

        assertThat(config.postgresql().listen()).isEqualTo("10.213.2.2:5432");
        assertThat(config.postgresql().connectAddress()).isEqualTo("10.213.2.2:5432");
        assertThat(config.restapi().apiUrl()).isEqualTo("http://10.213.2.2:8008/patroni");
        assertThat(config.etcd().hosts()).containsExactly("http://10.213.3.1:2379");
        assertThat(config.postgresql().pgHba()).isEqualTo(placement.pgHba());
    }

    private static AgentConfig parse(String yaml) {
        return new AgentConfigLoader().parse(yaml, "node1.yml", DATA.getParent());
    }
}
