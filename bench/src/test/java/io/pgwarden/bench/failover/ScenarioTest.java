package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioTest {

    @Test
    void parsesTheCommandLineNames() {
        assertThat(Scenario.parse("node-crash")).isEqualTo(Scenario.NODE_CRASH);
        assertThat(Scenario.parse("crash")).as("the name before postgres-crash existed").isEqualTo(Scenario.NODE_CRASH);
        assertThat(Scenario.parse("postgres-crash")).isEqualTo(Scenario.POSTGRES_CRASH);
        assertThat(Scenario.parse(" Etcd-Pause ")).isEqualTo(Scenario.ETCD_PAUSE);
        assertThatThrownBy(() -> Scenario.parse("etcd_pause"))
                .hasMessageContaining("node-crash, postgres-crash, freeze, switchover, etcd-pause");
    }
}
