package io.pgwarden.agent.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgwarden.agent.dcs.DcsException;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniJsonException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PATCH /config} and {@code PUT /config}: the new configuration is checked before it is written,
 * and a patch is written with a compare-and-swap on the key's revision. When someone else wrote the key
 * in between, the patch is applied again to what they wrote, so neither edit is lost.
 */
public final class ConfigEditor {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigEditor.class);
    /** Concurrent edits are rare; a few tries settle them, more would hide a hot loop of writers. */
    private static final int ATTEMPTS = 5;

    private final ConfigStore store;
    private final Runnable changed;
    private final ObjectMapper mapper = new ObjectMapper();
    private final PatroniJson json = new PatroniJson();

    /**
     * @param changed called after a write (wakes this agent's loop, so it applies the change at once)
     */
    public ConfigEditor(ConfigStore store, Runnable changed) {
        this.store = store;
        this.changed = changed;
    }

    /** Merges {@code patch} into the key: 200 with the new configuration, 400 invalid, 503 no key, 409 contended. */
    public ControlResult patch(JsonNode patch) {
        if (!patch.isObject() || patch.isEmpty()) {
            return ControlResult.text(400, "the body must be a non-empty JSON object");
        }
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Optional<ConfigStore.Versioned> current = store.read();
                if (current.isEmpty()) {
                    return ControlResult.text(503, "the cluster has no configuration yet");
                }
                ObjectNode before = parse(current.get().json());
                ObjectNode after = before.deepCopy();
                ConfigPatch.apply(after, (ObjectNode) patch);
                check(after);
                if (after.equals(before)) {
                    return ControlResult.json(200, write(after));
                }
                String text = write(after);
                if (store.replace(text, current.get().modRevision())) {
                    LOG.info("Configuration patched with {}: now {}", write(patch), text);
                    changed.run();
                    return ControlResult.json(200, text);
                }
                LOG.info("The config key changed while it was patched; applying the patch again");
            }
            return ControlResult.text(409, "the config key kept changing while it was patched; try again");
        } catch (InvalidConfigException e) {
            return ControlResult.text(400, e.getMessage());
        } catch (DcsException e) {
            return ControlResult.text(503, "etcd: " + e.getMessage());
        }
    }

    /** Replaces the whole key with {@code config}: 200 with it, 400 invalid, 503 etcd failed. */
    public ControlResult replace(JsonNode config) {
        if (!config.isObject() || config.isEmpty()) {
            return ControlResult.text(400, "the body must be a non-empty JSON object");
        }
        try {
            check(config);
            String text = write(config);
            store.put(text);
            LOG.info("Configuration replaced: {}", text);
            changed.run();
            return ControlResult.json(200, text);
        } catch (InvalidConfigException e) {
            return ControlResult.text(400, e.getMessage());
        } catch (DcsException e) {
            return ControlResult.text(503, "etcd: " + e.getMessage());
        }
    }

    private void check(JsonNode config) {
        DynamicConfigCheck.check(config);
        try {
            json.readConfig(write(config)); // what every agent and router will read back
        } catch (PatroniJsonException e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    private ObjectNode parse(String text) {
        try {
            JsonNode node = mapper.readTree(text);
            return node != null && node.isObject() ? (ObjectNode) node : mapper.createObjectNode();
        } catch (JsonProcessingException e) {
            // An unreadable key is replaced by what the patch makes of nothing: that is what an edit is for.
            LOG.warn("The config key is not JSON ({}); patching an empty configuration", e.getOriginalMessage());
            return mapper.createObjectNode();
        }
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
