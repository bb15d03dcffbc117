package io.pgwarden.ctl.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.ctl.CtlException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ScheduledTimeTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneId.of("Europe/Paris"));

    @Test
    void nowIsNotScheduled() {
        assertThat(ScheduledTime.parse("now", clock)).isEmpty();
        assertThat(ScheduledTime.parse(null, clock)).isEmpty();
    }

    @Test
    void anOffsetIsKeptAndALocalTimeGetsTheMachinesZone() {
        assertThat(ScheduledTime.parse("2026-11-23T14:00+00:00", clock).map(ScheduledTime::format))
                .contains("2026-11-23T14:00:00Z");
        assertThat(ScheduledTime.parse("2026-11-23 14:30", clock).map(ScheduledTime::format))
                .contains("2026-11-23T14:30:00+01:00");
    }

    @Test
    void thePastAndGarbageAreUsageErrors() {
        assertThatThrownBy(() -> ScheduledTime.parse("2026-11-23T12:59+01:00", clock))
                .isInstanceOf(CtlException.class).hasMessageContaining("not in the future");
        assertThatThrownBy(() -> ScheduledTime.parse("tomorrow", clock)).hasMessageContaining("ISO 8601");
    }
}
