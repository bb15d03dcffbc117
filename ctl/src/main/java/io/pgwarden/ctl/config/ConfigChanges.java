package io.pgwarden.ctl.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgwarden.ctl.CtlException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Edits of the dynamic configuration, each on a copy: {@code --set key.path=value} and a YAML patch
 * ({@code --apply}). Below {@code postgresql.parameters} the rest of the path is one parameter name,
 * since PostgreSQL's names may hold dots ({@code auto_explain.log_min_duration}). A null value removes
 * the key, and a mapping left empty by that goes too.
 */
public final class ConfigChanges {

    private final ConfigDocument document;

    public ConfigChanges(ConfigDocument document) {
        this.document = document;
    }

    /**
     * Applies {@code key=value} pairs in order.
     *
     * @throws CtlException (usage) for a pair without {@code =} or with an empty key
     */
    public ObjectNode set(ObjectNode config, List<String> pairs) {
        ObjectNode changed = config.deepCopy();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw CtlException.usage("--set takes key=value, not '" + pair + "'");
            }
            List<String> path = path(pair.substring(0, eq).strip(), pair);
            setPath(changed, path, document.parseScalar(pair.substring(eq + 1)));
        }
        return changed;
    }

    /** Merges a patch: mappings merge key by key, anything else replaces, null removes. */
    public ObjectNode apply(ObjectNode config, ObjectNode patch) {
        ObjectNode changed = config.deepCopy();
        merge(changed, patch);
        return changed;
    }

    private static List<String> path(String key, String pair) {
        if (key.isEmpty()) {
            throw CtlException.usage("--set needs a key before '=': '" + pair + "'");
        }
        List<String> parts = new ArrayList<>(Arrays.asList(key.split("\\.", -1)));
        if (parts.stream().anyMatch(String::isEmpty)) {
            throw CtlException.usage("--set key has an empty part: '" + key + "'");
        }
        if (parts.size() > 3 && parts.get(0).equals("postgresql") && parts.get(1).equals("parameters")) {
            String parameter = String.join(".", parts.subList(2, parts.size()));
            parts = new ArrayList<>(List.of("postgresql", "parameters", parameter));
        }
        return parts;
    }

    private static void setPath(ObjectNode node, List<String> path, JsonNode value) {
        String key = path.get(0);
        if (path.size() == 1) {
            if (value.isNull()) {
                node.remove(key);
            } else {
                node.set(key, value);
            }
            return;
        }
        JsonNode child = node.get(key);
        if (!(child instanceof ObjectNode)) {
            if (value.isNull()) {
                return; // nothing to remove
            }
            child = node.putObject(key);
        }
        setPath((ObjectNode) child, path.subList(1, path.size()), value);
        if (child.isEmpty()) {
            node.remove(key);
        }
    }

    private static void merge(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> entry : patch.properties()) {
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            if (value.isNull()) {
                target.remove(key);
            } else if (value.isObject() && target.get(key) instanceof ObjectNode existing) {
                merge(existing, (ObjectNode) value);
                if (existing.isEmpty()) {
                    target.remove(key);
                }
            } else {
                target.set(key, value.deepCopy());
            }
        }
    }
}
