package io.pgwarden.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgwarden.bench.failover.Runs.run;
import static org.assertj.core.api.Assertions.assertThat;

class FailoverRunTest {

    @Test
    void theOldLeaderRetakingTheKeyAfterAnotherMemberHeldItIsSeen() {
        assertThat(run(Scenario.FREEZE, 1, List.of(), "pg0", "none", "pg1", "pg0").oldLeaderRetook()).isTrue();
        assertThat(run(Scenario.FREEZE, 1, List.of(), "pg0", "none", "pg1", "none", "pg0").oldLeaderRetook()).isTrue();
    }

    @Test
    void losingAndRegainingTheKeyWithNobodyElseInBetweenIsNotARetake() {
        assertThat(run(Scenario.ETCD_PAUSE, 1, List.of(), "pg0", "none", "pg0").oldLeaderRetook()).isFalse();
        assertThat(run(Scenario.NODE_CRASH, 1, List.of(), "pg0", "none", "pg1").oldLeaderRetook()).isFalse();
        assertThat(run(Scenario.NODE_CRASH, 1, List.of()).oldLeaderRetook()).isFalse();
    }

    @Test
    void theLeaderPathNamesEveryHolder() {
        assertThat(run(Scenario.NODE_CRASH, 1, List.of(), "pg0", "none", "pg1").leaderPath()).isEqualTo("pg0 -> none -> pg1");
    }
}
