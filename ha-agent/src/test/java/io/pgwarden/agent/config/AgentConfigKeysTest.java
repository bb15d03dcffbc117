package io.pgwarden.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every key of the model is shown in conf/node1.yml and documented in docs/agent.md. */
class AgentConfigKeysTest {

    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    @Test
    void modelHasTheKeysTheDocsPromise() {
        // Guards the helper below: if it found nothing, the other tests would pass vacuously.
        assertThat(modelKeys()).contains("name", "postgresql.data_dir", "postgresql.superuser.username",
                "bootstrap.dcs.synchronous_mode", "watchdog.safety_margin").hasSizeGreaterThanOrEqualTo(40);
    }

    @Test
    void node1ShowsEveryKey() throws IOException {
        // Keys off by default (restapi.authentication, the TLS files) are shown commented out: "  # key: value".
        String text = Files.readString(Path.of("..", "conf", "node1.yml"))
                .replaceAll("(?m)^(\\s*)# (\\s*[a-z_]+:.*)$", "$1$2");
        JsonNode node1 = new YAMLMapper().readTree(text);
        List<String> present = new ArrayList<>();
        collect(node1, "", present);

        assertThat(present).containsAll(modelKeys());
    }

    @Test
    void docsDescribeEveryKey() throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "agent.md"));

        assertThat(modelKeys()).allSatisfy(key -> assertThat(docs).contains("| `" + key + "`"));
    }

    private static List<String> modelKeys() {
        List<String> keys = new ArrayList<>();
        components(AgentConfig.class, "", keys);
        return keys;
    }

    private static void components(Class<?> type, String prefix, List<String> keys) {
        for (RecordComponent c : type.getRecordComponents()) {
            String key = prefix + SNAKE.translate(c.getName());
            if (c.getType().isRecord()) {
                components(c.getType(), key + ".", keys);
            } else {
                keys.add(key);
            }
        }
    }

    private static void collect(JsonNode node, String prefix, List<String> keys) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            keys.add(key);
            if (field.getValue().isObject()) {
                collect(field.getValue(), key + ".", keys);
            }
        }
    }
}
