package io.pgwarden.agent.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestartScheduleTest {

    private static final Instant AT = Instant.parse("2026-03-01T12:00:00Z");
    private static final Instant STARTED = Instant.parse("2026-03-01T08:00:00Z");
    private static final Duration LOOP = Duration.ofSeconds(10);

    private static RestartRequest at(Instant when) {
        return new RestartRequest(Optional.of(OffsetDateTime.ofInstant(when, ZoneOffset.UTC)), false, Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    @Test
    void oneAtATimeAndCancellable() {
        RestartSchedule schedule = new RestartSchedule();
        assertThat(schedule.cancel()).isFalse();
        assertThat(schedule.schedule(at(AT), STARTED)).isTrue();
        assertThat(schedule.schedule(at(AT.plusSeconds(60)), STARTED)).isFalse();
        assertThat(schedule.cancel()).isTrue();
        assertThat(schedule.current()).isEmpty();
    }

    @Test
    void dueWithinOneLoopTakenOnce() {
        RestartSchedule schedule = new RestartSchedule();
        schedule.schedule(at(AT), STARTED);
        assertThat(schedule.takeIfDue(AT.minusSeconds(11), LOOP, STARTED)).isEmpty();
        assertThat(schedule.takeIfDue(AT.minusSeconds(9), LOOP, STARTED)).isPresent();
        assertThat(schedule.takeIfDue(AT, LOOP, STARTED)).isEmpty();
    }

    @Test
    void droppedWhenLongOverdueOrWhenPostgresRestartedMeanwhile() {
        RestartSchedule overdue = new RestartSchedule();
        overdue.schedule(at(AT), STARTED);
        assertThat(overdue.takeIfDue(AT.plusSeconds(16), LOOP, STARTED)).isEmpty();
        assertThat(overdue.current()).isEmpty();

        RestartSchedule restarted = new RestartSchedule();
        restarted.schedule(at(AT), STARTED);
        assertThat(restarted.takeIfDue(AT, LOOP, STARTED.plusSeconds(3600))).isEmpty();
        assertThat(restarted.current()).isEmpty();
    }
}
