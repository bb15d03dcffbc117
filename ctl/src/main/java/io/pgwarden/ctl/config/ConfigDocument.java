package io.pgwarden.ctl.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dynamic configuration in the {@code config} key as a tree: read from its JSON, shown as YAML
 * with sorted keys (so that diffs are stable), written back as compact JSON in its own key order.
 * Keys this version does not know are kept as they are.
 */
public final class ConfigDocument {

    private final ObjectMapper json = JsonMapper.builder().build();
    private final ObjectMapper yaml = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    /** @throws IllegalArgumentException if it is not a JSON object */
    public ObjectNode parseJson(String text) {
        try {
            JsonNode node = json.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("the config key does not hold a JSON object");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the config key does not hold JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses YAML (a file for --apply); an empty document is an empty object.
     *
     * @throws IllegalArgumentException if it is not YAML or not a mapping
     */
    public ObjectNode parseYaml(String text, String source) {
        JsonNode node;
        try {
            node = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + " is not YAML: " + e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return json.createObjectNode();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(source + " is not a YAML mapping");
        }
        return (ObjectNode) node;
    }

    /**
     * One YAML value as {@code --set} takes it (YAML 1.1, as patronictl reads it): {@code 5} a number,
     * {@code true} (also {@code on}, {@code yes}) a boolean, {@code null},
     * {@code ~} or nothing null (remove the key), {@code [a, b]} a list, anything else a string.
     */
    public JsonNode parseScalar(String text) {
        if (text.isBlank()) {
            return json.nullNode();
        }
        try {
            JsonNode node = yaml.readTree(text);
            return node == null || node.isMissingNode() ? json.nullNode() : node;
        } catch (JsonProcessingException e) {
            return json.getNodeFactory().textNode(text); // not YAML on its own (say "a: b: c"): take it as text
        }
    }

    public String toJson(ObjectNode config) {
        try {
            return json.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toPrettyJson(ObjectNode config) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(json.convertValue(config, Map.class)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sorted-key YAML; {@code {}} for an empty configuration. */
    public String toYaml(ObjectNode config) {
        if (config.isEmpty()) {
            return "{}\n";
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = json.convertValue(config, LinkedHashMap.class);
            return yaml.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode empty() {
        return json.createObjectNode();
    }
}
