package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailoverSettingsTest {

    private static FailoverSettings settings(int ttl, int loopWait, int retryTimeout) {
        return new FailoverSettings(List.of(Scenario.CRASH, Scenario.CRASH), 3, ttl, loopWait, retryTimeout, null, "x");
    }

    @Test
    void theRouterFencesWhenPatroniDemotesAndHoldsWritesForTwoTtls() {
        FailoverSettings settings = settings(10, 2, 3);

        assertThat(settings.scenarios()).containsExactly(Scenario.CRASH);
        assertThat(settings.isolationTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.connectWaitTimeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void theIsolationTimeoutStaysAboveTheReadIntervalAndTwoSecondsBelowTheTtl() {
        assertThat(settings(10, 2, 1).isolationTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings(5, 1, 2).isolationTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings(30, 10, 10).isolationTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void patronisTimingRuleIsEnforced() {
        assertThatThrownBy(() -> settings(10, 5, 3)).hasMessageContaining("loop_wait + 2 * retry_timeout <= ttl");
        assertThatThrownBy(() -> new FailoverSettings(List.of(), 3, 10, 2, 3, null, "x"))
                .hasMessageContaining("--scenario");
        assertThatThrownBy(() -> new FailoverSettings(List.of(Scenario.CRASH), 0, 10, 2, 3, null, "x"))
                .hasMessageContaining("--runs");
    }
}
