package io.pgwarden.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyncPlannerTest {

    private static SyncPlanner.Standby standby(String name, boolean streaming, boolean sync) {
        return new SyncPlanner.Standby(name, streaming, sync, true);
    }

    @Test
    void onModeNamesOneStandbyAndWidensTheKeyOnlyOnceItIsSynchronous() {
        SyncPlan first = SyncPlanner.plan(SyncMode.ON, false, Set.of(), List.of(standby("b", true, false), standby("c", true, false)));
        assertThat(first.standbyNames()).isEqualTo("FIRST 1 (\"b\")");
        assertThat(first.keyBefore()).isNull();
        assertThat(first.keyAfter()).isNull();
        SyncPlan confirmed = SyncPlanner.plan(SyncMode.ON, false, Set.of(), List.of(standby("b", true, true), standby("c", true, false)));
        assertThat(confirmed.keyAfter()).containsExactly("b");
    }

    @Test
    void onModeShrinksTheKeyBeforeMovingToAnotherStandby() {
        SyncPlan plan = SyncPlanner.plan(SyncMode.ON, false, Set.of("b"), List.of(standby("c", true, false)));
        assertThat(plan.keyBefore()).isEmpty();
        assertThat(plan.standbyNames()).isEqualTo("FIRST 1 (\"c\")");
        assertThat(plan.keyAfter()).isNull();
    }

    @Test
    void onModeKeepsAHealthySyncStandby() {
        SyncPlan plan = SyncPlanner.plan(SyncMode.ON, false, Set.of("c"), List.of(standby("b", true, false), standby("c", true, true)));
        assertThat(plan.standbyNames()).isEqualTo("FIRST 1 (\"c\")");
        assertThat(plan.keyBefore()).isNull();
        assertThat(plan.keyAfter()).isNull();
    }

    @Test
    void withAnEmptyKeyOnModePrefersTheStandbyThatIsSynchronousAlready() {
        SyncPlan plan = SyncPlanner.plan(SyncMode.ON, false, Set.of(), List.of(standby("b", true, false), standby("c", true, true)));
        assertThat(plan.standbyNames()).isEqualTo("FIRST 1 (\"c\")");
        assertThat(plan.keyAfter()).containsExactly("c");
    }

    @Test
    void withNobodyLeftStrictWaitsAndNonStrictGoesAsynchronous() {
        assertThat(SyncPlanner.plan(SyncMode.ON, true, Set.of("b"), List.of()).standbyNames()).isEqualTo("*");
        assertThat(SyncPlanner.plan(SyncMode.ON, false, Set.of("b"), List.of()).standbyNames()).isEmpty();
    }

    @Test
    void nosyncStandbysAreNeverPicked() {
        SyncPlan plan = SyncPlanner.plan(SyncMode.ON, false, Set.of(),
                List.of(new SyncPlanner.Standby("b", true, false, false), standby("c", true, false)));
        assertThat(plan.standbyNames()).isEqualTo("FIRST 1 (\"c\")");
    }

    @Test
    void quorumAddsToTheKeyBeforeTheSettingAndRemovesAfter() {
        SyncPlan grow = SyncPlanner.plan(SyncMode.QUORUM, false, Set.of("b"), List.of(standby("b", true, true), standby("c", true, false)));
        assertThat(grow.keyBefore()).containsExactly("b", "c");
        assertThat(grow.standbyNames()).isEqualTo("ANY 1 (\"b\",\"c\")");
        SyncPlan shrink = SyncPlanner.plan(SyncMode.QUORUM, false, Set.of("b", "c"), List.of(standby("c", true, true)));
        assertThat(shrink.keyBefore()).isNull();
        assertThat(shrink.standbyNames()).isEqualTo("ANY 1 (\"c\")");
        assertThat(shrink.keyAfter()).containsExactly("c");
    }
}
