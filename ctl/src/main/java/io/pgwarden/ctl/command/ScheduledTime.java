package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlException;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * {@code --scheduled TIME}: ISO 8601 with an offset ({@code 2026-11-23T14:00+01:00}), or a local time
 * ({@code 2026-11-23T14:00}, also with a space) taken in this machine's time zone, or {@code now}.
 * Members need the offset, so the result always carries one.
 */
final class ScheduledTime {

    private ScheduledTime() {
    }

    /**
     * @return empty for {@code now}
     * @throws CtlException (usage) if it is not a time, or not in the future
     */
    static Optional<OffsetDateTime> parse(String text, Clock clock) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("now")) {
            return Optional.empty();
        }
        String iso = text.strip().replace(' ', 'T');
        OffsetDateTime at;
        try {
            at = OffsetDateTime.parse(iso);
        } catch (DateTimeParseException withoutOffset) {
            try {
                at = ZonedDateTime.of(LocalDateTime.parse(iso), clock.getZone()).toOffsetDateTime();
            } catch (DateTimeParseException e) {
                throw CtlException.usage("--scheduled must be an ISO 8601 time (2026-11-23T14:00+01:00, or local"
                        + " 2026-11-23T14:00) or now, not '" + text + "'");
            }
        }
        if (!at.toInstant().isAfter(clock.instant())) {
            throw CtlException.usage("--scheduled " + text + " is not in the future");
        }
        return Optional.of(at);
    }

    static String format(OffsetDateTime at) {
        return at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
