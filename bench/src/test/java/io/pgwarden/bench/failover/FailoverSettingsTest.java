package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.pgwarden.bench.failover.Runs.AGENTS;
import static io.pgwarden.bench.failover.Runs.PATRONI_ASYNC;
import static io.pgwarden.bench.failover.Runs.PATRONI_SYNC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailoverSettingsTest {

    private static final List<Stack> BOTH = List.of(Stack.AGENTS, Stack.PATRONI);
    private static final List<Boolean> OFF_ON = List.of(false, true);

    private static FailoverSettings settings(int ttl, int loopWait, int retryTimeout) {
        return new FailoverSettings(List.of(Scenario.NODE_CRASH, Scenario.NODE_CRASH), BOTH, OFF_ON, 3, ttl, loopWait,
                retryTimeout, null, "x");
    }

    private static FailoverSettings settings(List<Scenario> scenarios, List<Stack> stacks, List<Boolean> sync) {
        return new FailoverSettings(scenarios, stacks, sync, 3, 10, 2, 3, null, "x");
    }

    @Test
    void theRouterFencesWhenTheLeaderDemotesAndHoldsWritesForTwoTtls() {
        FailoverSettings settings = settings(10, 2, 3);

        assertThat(settings.scenarios()).containsExactly(Scenario.NODE_CRASH);
        assertThat(settings.isolationTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.connectWaitTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(settings.freezeDuration()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theIsolationTimeoutStaysAboveTheReadIntervalAndTwoSecondsBelowTheTtl() {
        assertThat(settings(10, 2, 1).isolationTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings(5, 1, 2).isolationTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings(30, 10, 10).isolationTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theTimingRuleOfPatroniAndTheAgentsIsEnforced() {
        assertThatThrownBy(() -> settings(10, 5, 3)).hasMessageContaining("loop_wait + 2 * retry_timeout <= ttl");
        assertThatThrownBy(() -> settings(List.of(), BOTH, OFF_ON)).hasMessageContaining("--scenario");
        assertThatThrownBy(() -> new FailoverSettings(List.of(Scenario.NODE_CRASH), BOTH, OFF_ON, 0, 10, 2, 3, null, "x"))
                .hasMessageContaining("--runs");
    }

    @Test
    void theAgentsComeFirstThenPatroniOncePerSynchronousMode() {
        assertThat(settings(List.of(Scenario.NODE_CRASH), List.of(Stack.PATRONI, Stack.AGENTS), OFF_ON).setups())
                .containsExactly(AGENTS, PATRONI_ASYNC, PATRONI_SYNC);
        assertThat(settings(List.of(Scenario.NODE_CRASH), List.of(Stack.PATRONI), List.of(true, true)).setups())
                .containsExactly(PATRONI_SYNC);
        assertThat(settings(List.of(Scenario.NODE_CRASH), List.of(Stack.AGENTS), List.of()).setups())
                .as("Patroni's modes are not needed without Patroni").containsExactly(AGENTS);
    }

    @Test
    void stacksAndPatronisModesMustNameSomething() {
        assertThatThrownBy(() -> settings(List.of(Scenario.NODE_CRASH), List.of(), OFF_ON))
                .hasMessageContaining("--stacks");
        assertThatThrownBy(() -> settings(List.of(Scenario.NODE_CRASH), BOTH, List.of()))
                .hasMessageContaining("--patroni-synchronous-mode");
    }

    @Test
    void everyScenarioRunsOnEverySetUpSwitchoverToo() {
        FailoverSettings settings = settings(List.of(Scenario.NODE_CRASH, Scenario.SWITCHOVER), BOTH, OFF_ON);

        assertThat(settings.totalRuns()).as("3 set-ups × 3 runs of node-crash and of switchover").isEqualTo(18);
        assertThat(settings(List.of(Scenario.SWITCHOVER), List.of(Stack.AGENTS), OFF_ON).totalRuns()).isEqualTo(3);
    }
}
