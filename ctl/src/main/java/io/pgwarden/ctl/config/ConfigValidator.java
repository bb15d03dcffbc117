package io.pgwarden.ctl.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a dynamic configuration before edit-config writes it, so that no agent ever reads a value it
 * must reject: types and lower bounds of the keys the agents act on, and the timing rule
 * {@code loop_wait + 2 * retry_timeout <= ttl} (a leader must be able to retry etcd twice and still
 * renew its lease in time), with Patroni's defaults (30, 10, 10) for keys that are not set. Keys it
 * does not know are left alone: Patroni has many, and they are the agents' business.
 */
public final class ConfigValidator {

    static final int DEFAULT_TTL = 30;
    static final int DEFAULT_LOOP_WAIT = 10;
    static final int DEFAULT_RETRY_TIMEOUT = 10;
    /** The agents' own lower bounds (ha-agent's AgentConfigValidator). */
    static final int MIN_TTL = 4;
    static final int MIN_LOOP_WAIT = 1;
    static final int MIN_RETRY_TIMEOUT = 1;

    private static final Set<String> BOOLEANS = Set.of("pause", "synchronous_mode_strict", "check_timeline",
            "failsafe_mode");
    private static final Set<String> SYNC_MODES = Set.of("on", "off", "quorum", "true", "false");

    /** Every problem found, one line each naming the key; empty when the configuration may be written. */
    public List<String> problems(ObjectNode config) {
        List<String> problems = new ArrayList<>();
        Integer ttl = integer(config, "ttl", MIN_TTL, problems);
        Integer loopWait = integer(config, "loop_wait", MIN_LOOP_WAIT, problems);
        Integer retryTimeout = integer(config, "retry_timeout", MIN_RETRY_TIMEOUT, problems);
        integer(config, "maximum_lag_on_failover", 0, problems);
        integer(config, "synchronous_node_count", 1, problems);
        integer(config, "primary_start_timeout", 0, problems);
        integer(config, "master_start_timeout", 0, problems);
        if (!(config.has("ttl") && ttl == null || config.has("loop_wait") && loopWait == null
                || config.has("retry_timeout") && retryTimeout == null)) {
            int t = ttl == null ? DEFAULT_TTL : ttl;
            int l = loopWait == null ? DEFAULT_LOOP_WAIT : loopWait;
            int r = retryTimeout == null ? DEFAULT_RETRY_TIMEOUT : retryTimeout;
            if (l + 2 * r > t) {
                problems.add("ttl: loop_wait + 2 * retry_timeout must not exceed ttl, got " + l + " + 2 * " + r
                        + " = " + (l + 2 * r) + " > " + t + defaultsNote(ttl, loopWait, retryTimeout));
            }
        }
        for (String key : BOOLEANS) {
            JsonNode value = config.get(key);
            if (value != null && !value.isNull() && !value.isBoolean()) {
                problems.add(key + ": must be true or false, got " + value);
            }
        }
        JsonNode sync = config.get("synchronous_mode");
        if (sync != null && !sync.isNull() && !sync.isBoolean()
                && !(sync.isTextual() && SYNC_MODES.contains(sync.textValue().toLowerCase(Locale.ROOT)))) {
            problems.add("synchronous_mode: must be on, off, quorum, true or false, got " + sync);
        }
        JsonNode postgresql = config.get("postgresql");
        if (postgresql != null && !postgresql.isNull()) {
            if (!postgresql.isObject()) {
                problems.add("postgresql: must be a mapping, got " + postgresql);
            } else {
                JsonNode parameters = postgresql.get("parameters");
                if (parameters != null && !parameters.isNull()) {
                    if (!parameters.isObject()) {
                        problems.add("postgresql.parameters: must be a mapping of parameter names to values, got "
                                + parameters);
                    } else {
                        for (Map.Entry<String, JsonNode> p : parameters.properties()) {
                            if (!p.getValue().isValueNode()) {
                                problems.add("postgresql.parameters." + p.getKey()
                                        + ": must be a single value, got " + p.getValue());
                            }
                        }
                    }
                }
                for (String key : List.of("use_pg_rewind", "use_slots")) {
                    JsonNode value = postgresql.get(key);
                    if (value != null && !value.isNull() && !value.isBoolean()) {
                        problems.add("postgresql." + key + ": must be true or false, got " + value);
                    }
                }
            }
        }
        return problems;
    }

    private static String defaultsNote(Integer ttl, Integer loopWait, Integer retryTimeout) {
        List<String> defaulted = new ArrayList<>();
        if (ttl == null) {
            defaulted.add("ttl");
        }
        if (loopWait == null) {
            defaulted.add("loop_wait");
        }
        if (retryTimeout == null) {
            defaulted.add("retry_timeout");
        }
        return defaulted.isEmpty() ? "" : " (" + String.join(", ", defaulted) + " not set: default)";
    }

    /** The key's whole-number value; null when absent or wrong (then a problem is recorded). */
    private static Integer integer(ObjectNode config, String key, int min, List<String> problems) {
        JsonNode value = config.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            problems.add(key + ": must be a whole number, got " + value);
            return null;
        }
        if (value.intValue() < min) {
            problems.add(key + ": must be at least " + min + ", got " + value.intValue());
            return null;
        }
        return value.intValue();
    }
}
