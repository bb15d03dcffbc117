package io.pgwarden.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A JSON merge patch (RFC 7386), as {@code PATCH /config} applies it to the {@code config} key: objects
 * merge key by key, {@code null} deletes a key, anything else replaces the value. Patroni's
 * {@code patronictl pause} sends {@code {"pause": true}}, {@code resume} {@code {"pause": null}}.
 */
public final class ConfigPatch {

    private ConfigPatch() {
    }

    /** Applies {@code patch} to {@code target} in place. */
    public static void apply(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                target.remove(name);
            } else if (value.isObject()) {
                JsonNode existing = target.get(name);
                ObjectNode merged = existing != null && existing.isObject()
                        ? (ObjectNode) existing : target.objectNode();
                apply(merged, (ObjectNode) value); // nulls inside a new object are dropped too
                target.set(name, merged);
            } else {
                target.set(name, value.deepCopy());
            }
        }
    }
}
