package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioTest {

    @Test
    void parsesTheCommandLineNames() {
        assertThat(Scenario.parse("crash")).isEqualTo(Scenario.CRASH);
        assertThat(Scenario.parse(" Etcd-Pause ")).isEqualTo(Scenario.ETCD_PAUSE);
        assertThatThrownBy(() -> Scenario.parse("etcd_pause"))
                .hasMessageContaining("crash, freeze, switchover, etcd-pause");
    }
}
