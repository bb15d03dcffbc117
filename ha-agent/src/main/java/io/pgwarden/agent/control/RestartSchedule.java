package io.pgwarden.agent.control;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one restart this node has scheduled ({@code POST /restart} with a {@code schedule}), as Patroni keeps
 * it: in memory, gone with the agent. Set and cancelled by the REST API, run by the loop when it is due.
 */
public final class RestartSchedule {

    private static final Logger LOG = LoggerFactory.getLogger(RestartSchedule.class);

    /**
     * @param request         the conditions, with the time in {@code request.schedule()}
     * @param postmasterStart when PostgreSQL had started at scheduling; a restart since then cancels it
     */
    public record Scheduled(RestartRequest request, Instant postmasterStart) {
        public Scheduled {
            Objects.requireNonNull(request, "request");
            request.schedule().orElseThrow(() -> new IllegalArgumentException("no schedule"));
        }

        public OffsetDateTime at() {
            return request.schedule().orElseThrow();
        }
    }

    private Scheduled scheduled;

    /** False when one is scheduled already. */
    public synchronized boolean schedule(RestartRequest request, Instant postmasterStart) {
        if (scheduled != null) {
            return false;
        }
        scheduled = new Scheduled(request, postmasterStart);
        LOG.info("Restart scheduled at {}", scheduled.at());
        return true;
    }

    /** False when none was scheduled. */
    public synchronized boolean cancel() {
        boolean had = scheduled != null;
        if (had) {
            LOG.info("Scheduled restart at {} cancelled", scheduled.at());
        }
        scheduled = null;
        return had;
    }

    public synchronized Optional<Scheduled> current() {
        return Optional.ofNullable(scheduled);
    }

    /**
     * The scheduled restart, taken off the schedule, once it is at most {@code window} away (the loop runs
     * at least that often). Dropped without running when PostgreSQL restarted since it was scheduled, or
     * when it is more than 1.5 × {@code window} overdue (the loop was stuck; a late restart would surprise).
     */
    public synchronized Optional<Scheduled> takeIfDue(Instant now, Duration window, Instant postmasterStartNow) {
        if (scheduled == null) {
            return Optional.empty();
        }
        if (scheduled.postmasterStart() != null && postmasterStartNow != null
                && !scheduled.postmasterStart().equals(postmasterStartNow)) {
            LOG.info("Cancelling the scheduled restart: PostgreSQL restarted at {} already", postmasterStartNow);
            scheduled = null;
            return Optional.empty();
        }
        Duration until = Duration.between(now, scheduled.at().toInstant());
        if (until.compareTo(window) > 0) {
            return Optional.empty();
        }
        Scheduled due = scheduled;
        scheduled = null;
        if (until.negated().compareTo(window.multipliedBy(3).dividedBy(2)) > 0) {
            LOG.warn("Dropping the scheduled restart at {}: overdue by {} s", due.at(), until.negated().toSeconds());
            return Optional.empty();
        }
        return Optional.of(due);
    }
}
