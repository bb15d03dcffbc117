package io.pgwarden.agent.dynamic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterSyncTest {

    @Test
    void namesSetChangedAndUnsetAreReportedOthersAreNot() {
        Map<String, Object> before = Map.of("work_mem", "4MB", "max_connections", 100, "fsync", "on");
        Map<String, Object> after = new HashMap<>(Map.of("work_mem", "8MB", "max_connections", 100,
                "log_min_duration_statement", 200));
        assertThat(ParameterSync.changed(before, after))
                .containsExactly("fsync", "log_min_duration_statement", "work_mem");
    }

    @Test
    void aValueSetToNullCountsAsAChange() {
        Map<String, Object> after = new HashMap<>();
        after.put("work_mem", null);
        assertThat(ParameterSync.changed(Map.of("work_mem", "4MB"), after)).containsExactly("work_mem");
    }
}
