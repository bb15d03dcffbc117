package io.pgwarden.agent.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings in the agent's own configuration file: what every node of an HA cluster needs, then
 * the cluster's parameters, then the node's (the node wins), then the listen address, which only
 * the node's {@code postgresql.listen} decides.
 */
final class ServerSettings {

    private static final Logger LOG = LoggerFactory.getLogger(ServerSettings.class);

    /** The recovery settings are the agent's ({@link StandbySettings}); in parameters they would fight it. */
    static final Set<String> AGENT_OWNED = Set.of("listen_addresses", "port", "primary_conninfo",
            "primary_slot_name", "recovery_target_timeline", "promote_trigger_file");

    private ServerSettings() {
    }

    /**
     * The merged settings, names lowercased, in the order they are written.
     *
     * @param listenHost host part of {@code postgresql.listen}, {@code listen_addresses} as written
     */
    static Map<String, Object> merge(String listenHost, int port, Map<String, Object> cluster, Map<String, Object> node) {
        Map<String, Object> settings = new LinkedHashMap<>();
        // Needed for standbys, pg_rewind (wal_log_hints, even without data checksums) and slots.
        settings.put("wal_level", "replica");
        settings.put("hot_standby", true);
        settings.put("wal_log_hints", true);
        settings.put("max_wal_senders", 10);
        settings.put("max_replication_slots", 10);
        // A little WAL kept for standbys that stream without a slot or briefly fall behind.
        settings.put("wal_keep_size", "128MB");
        // A standby whose primary restarted (or changed) reconnects within half a second, not PostgreSQL's 5 s:
        // with synchronous replication, commits wait for it meanwhile.
        settings.put("wal_retrieve_retry_interval", "500ms");
        putAll(settings, cluster, "cluster");
        putAll(settings, node, "node");
        settings.put("listen_addresses", listenHost);
        settings.put("port", port);
        return settings;
    }

    private static void putAll(Map<String, Object> settings, Map<String, Object> parameters, String source) {
        parameters.forEach((rawName, value) -> {
            String name = ConfFile.name(rawName);
            if (AGENT_OWNED.contains(name)) {
                LOG.warn("Ignoring the {} parameter {}: the agent sets it itself", source, name);
            } else if (value == null) {
                settings.remove(name); // null unsets, as in Patroni's dynamic configuration
            } else {
                settings.put(name, value);
            }
        });
    }
}
