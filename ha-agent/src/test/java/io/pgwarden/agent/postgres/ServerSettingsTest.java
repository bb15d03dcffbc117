package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerSettingsTest {

    @Test
    void replicationEssentialsAreThere() {
        Map<String, Object> settings = ServerSettings.merge("127.0.0.1", 5432, Map.of(), Map.of());
        assertThat(settings).containsEntry("wal_level", "replica")
                .containsEntry("hot_standby", true)
                .containsEntry("wal_log_hints", true)
                .containsKeys("max_wal_senders", "max_replication_slots", "wal_keep_size")
                .containsEntry("listen_addresses", "127.0.0.1")
                .containsEntry("port", 5432);
    }

    @Test
    void nodeWinsOverClusterWhichWinsOverDefaults() {
        Map<String, Object> settings = ServerSettings.merge("127.0.0.1", 5432,
                Map.of("max_connections", 200, "work_mem", "8MB", "max_wal_senders", 20),
                Map.of("Work_Mem", "16MB"));
        assertThat(settings).containsEntry("max_connections", 200)
                .containsEntry("work_mem", "16MB")
                .containsEntry("max_wal_senders", 20)
                .doesNotContainKey("Work_Mem");
    }

    @Test
    void listenAddressAndRecoverySettingsStayTheAgents() {
        Map<String, Object> settings = ServerSettings.merge("10.0.0.1", 6000,
                Map.of("port", 1, "primary_conninfo", "host=evil"),
                Map.of("listen_addresses", "*", "primary_slot_name", "x"));
        assertThat(settings).containsEntry("port", 6000)
                .containsEntry("listen_addresses", "10.0.0.1")
                .doesNotContainKeys("primary_conninfo", "primary_slot_name");
    }

    @Test
    void nullUnsetsAClusterParameter() {
        Map<String, Object> node = new HashMap<>();
        node.put("work_mem", null);
        Map<String, Object> settings = ServerSettings.merge("127.0.0.1", 5432, Map.of("work_mem", "8MB"), node);
        assertThat(settings).doesNotContainKey("work_mem");
    }
}
