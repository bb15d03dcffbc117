package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.agent.config.AgentConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigReloaderTest {

    private static AgentConfig config(Map<String, Object> parameters, AgentConfig.User auth, Integer ttl, String listen) {
        return new AgentConfig("n1", "demo", null, null, ttl, null, null,
                new AgentConfig.Postgresql(null, Path.of("/data"), null, null, parameters, null, null, null, null, null,
                        null, null, null, null),
                new AgentConfig.RestApi(listen, null, auth, null, null, null, null, null), null, null, null);
    }

    @Test
    void whatAReloadAppliesIsNotReportedAsNeedingARestart() {
        AgentConfig before = config(Map.of("work_mem", "4MB"), null, 30, "127.0.0.1:8008");
        AgentConfig after = config(Map.of("work_mem", "8MB"), new AgentConfig.User("a", "b"), 30, "127.0.0.1:8008");
        assertThat(ConfigReloader.changedKeys(before, after)).isEmpty();
    }

    @Test
    void everythingElseIsNamedInSnakeCase() {
        AgentConfig before = config(Map.of(), null, 30, "127.0.0.1:8008");
        AgentConfig after = config(Map.of(), null, 20, "127.0.0.1:9008");
        assertThat(ConfigReloader.changedKeys(before, after)).containsExactly("ttl", "restapi.listen", "restapi.connect_address");
    }
}
