package io.pgwarden.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgwarden.agent.loop.SyncMode;
import io.pgwarden.agent.loop.Timing;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a {@code config} key must meet before it is written: the agents read it every loop, and one
 * they cannot use would leave each of them on its old values without anyone noticing. Keys not listed
 * here pass as they are (Patroni's own keys the agent does not use, say).
 */
public final class DynamicConfigCheck {

    /** Patroni's defaults, for the timing rule when a key is absent. */
    static final int DEFAULT_TTL = 30;
    static final int DEFAULT_LOOP_WAIT = 10;
    static final int DEFAULT_RETRY_TIMEOUT = 10;
    static final int MIN_TTL = 4;

    /** Settings each agent writes itself; a cluster-wide value would fight it. Lower case. */
    private static final Set<String> OWNED_PARAMETERS = Set.of("listen_addresses", "port", "hba_file",
            "primary_conninfo", "primary_slot_name", "synchronous_standby_names");
    private static final Set<String> BOOLEANS = Set.of("pause", "synchronous_mode_strict", "failsafe_mode",
            "check_timeline");
    private static final Set<String> NON_NEGATIVE = Set.of("maximum_lag_on_failover", "primary_start_timeout",
            "master_start_timeout", "primary_stop_timeout", "master_stop_timeout", "max_timelines_history");

    private DynamicConfigCheck() {
    }

    /** @throws InvalidConfigException naming the first bad key */
    public static void check(JsonNode config) {
        if (!config.isObject()) {
            throw new InvalidConfigException("the configuration must be a JSON object");
        }
        int ttl = integer(config, "ttl", MIN_TTL, DEFAULT_TTL);
        int loopWait = integer(config, "loop_wait", 1, DEFAULT_LOOP_WAIT);
        int retryTimeout = integer(config, "retry_timeout", 1, DEFAULT_RETRY_TIMEOUT);
        try {
            Timing.ofSeconds(ttl, loopWait, retryTimeout);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("bad value for 'ttl': loop_wait + 2 * retry_timeout must not exceed ttl,"
                    + " got loop_wait " + loopWait + " + 2 * retry_timeout " + retryTimeout + " = "
                    + (loopWait + 2 * retryTimeout) + " > ttl " + ttl);
        }
        for (String key : NON_NEGATIVE) {
            integer(config, key, 0, 0);
        }
        for (String key : BOOLEANS) {
            JsonNode value = config.get(key);
            if (value != null && !value.isBoolean()) {
                throw bad(key, "must be true or false", value);
            }
        }
        JsonNode mode = config.get("synchronous_mode");
        if (mode != null) {
            try {
                SyncMode.parse(mode.isTextual() ? mode.asText() : mode.toString());
            } catch (IllegalArgumentException e) {
                throw bad("synchronous_mode", "must be off, on or quorum (or true/false)", mode);
            }
        }
        integer(config, "synchronous_node_count", 1, 1);
        JsonNode drain = config.get("drain_timeout");
        if (drain != null && (!drain.isNumber() || drain.asDouble() <= 0 || drain.asDouble() > 3600)) {
            throw bad("drain_timeout", "must be a number of seconds above 0 (at most 3600)", drain);
        }
        postgresql(config.get("postgresql"));
    }

    private static void postgresql(JsonNode postgresql) {
        if (postgresql == null) {
            return;
        }
        if (!postgresql.isObject()) {
            throw bad("postgresql", "must be an object", postgresql);
        }
        for (String flag : new String[] {"use_pg_rewind", "use_slots"}) {
            JsonNode value = postgresql.get(flag);
            if (value != null && !value.isBoolean()) {
                throw bad("postgresql." + flag, "must be true or false", value);
            }
        }
        JsonNode parameters = postgresql.get("parameters");
        if (parameters == null) {
            return;
        }
        if (!parameters.isObject()) {
            throw bad("postgresql.parameters", "must be an object of postgresql.conf settings", parameters);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String key = "postgresql.parameters." + p.getKey();
            if (!p.getValue().isValueNode()) {
                throw bad(key, "must be a single value (string, number or boolean)", p.getValue());
            }
            if (OWNED_PARAMETERS.contains(p.getKey().toLowerCase(Locale.ROOT))) {
                throw new InvalidConfigException("bad value for '" + key + "': each agent sets it itself; remove it");
            }
        }
    }

    private static int integer(JsonNode config, String key, int minimum, int absent) {
        JsonNode value = config.get(key);
        if (value == null) {
            return absent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw bad(key, "must be a whole number", value);
        }
        if (value.asInt() < minimum) {
            throw bad(key, "must be at least " + minimum, value);
        }
        return value.asInt();
    }

    private static InvalidConfigException bad(String key, String rule, JsonNode value) {
        return new InvalidConfigException("bad value for '" + key + "': " + rule + ", got " + value);
    }
}
