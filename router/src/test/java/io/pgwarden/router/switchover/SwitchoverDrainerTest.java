package io.pgwarden.router.switchover;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SwitchoverDrainerTest {

    @Test
    void routersCutBeforeTheLeaderStopsWaiting() {
        assertThat(SwitchoverDrainer.cutAfter(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(1750));
        assertThat(SwitchoverDrainer.cutAfter(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(4500));
        assertThat(SwitchoverDrainer.cutAfter(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(59));
    }

    @Test
    void aShortDrainKeepsThreeQuartersOfItForTransactions() {
        assertThat(SwitchoverDrainer.cutAfter(Duration.ofMillis(400))).isEqualTo(Duration.ofMillis(300));
        assertThat(SwitchoverDrainer.cutAfter(Duration.ofMillis(1))).isPositive();
    }
}
