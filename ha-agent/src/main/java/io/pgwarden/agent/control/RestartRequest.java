package io.pgwarden.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /restart}, as Patroni reads it: restart when, and only if.
 *
 * @param schedule        when to restart; empty for now
 * @param restartPending  only if PostgreSQL reports a setting pending a restart
 * @param role            only if this node is a {@code primary} or {@code replica} ({@code master} reads as primary)
 * @param postgresVersion only if PostgreSQL's version is below this one ({@code server_version_num} form)
 * @param timeout         how long PostgreSQL may take to start again; empty for primary_start_timeout
 */
public record RestartRequest(Optional<OffsetDateTime> schedule, boolean restartPending, Optional<String> role,
                             Optional<Integer> postgresVersion, Optional<Duration> timeout) {

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*(ms|s|min|h|d)?\\s*");

    /** Restart now, unconditionally. */
    public static RestartRequest now() {
        return new RestartRequest(Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Reads a request body (an empty object for none); the first bad field refuses the whole request,
     * with Patroni's code and words.
     *
     * @throws ControlException 400 for an unknown or bad field or a schedule without a time zone, 422 for
     *                          an unreadable or past schedule
     */
    public static RestartRequest parse(JsonNode body, Instant now) {
        Optional<OffsetDateTime> schedule = Optional.empty();
        boolean pending = false;
        Optional<String> role = Optional.empty();
        Optional<Integer> version = Optional.empty();
        Optional<Duration> timeout = Optional.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "schedule" -> schedule = Optional.of(schedule(value.asText(), now));
                case "role" -> role = Optional.of(role(value.asText()));
                case "postgres_version" -> version = Optional.of(versionNum(value.asText()));
                case "timeout" -> timeout = Optional.of(timeout(value));
                case "restart_pending" -> pending = !value.isBoolean() || value.asBoolean();
                default -> throw new ControlException(400, "Unknown filter for the scheduled restart: " + field.getKey());
            }
        }
        return new RestartRequest(schedule, pending, role, version, timeout);
    }

    /** Why this node does not meet the conditions, or empty when it does. */
    public Optional<String> mismatch(String nodeRole, Integer serverVersion, boolean nodePendingRestart) {
        if (role.isPresent() && !role.get().equals(nodeRole)) {
            return Optional.of("host role mismatch");
        }
        if (postgresVersion.isPresent() && serverVersion != null && postgresVersion.get() <= serverVersion) {
            return Optional.of("postgres version mismatch");
        }
        if (restartPending && !nodePendingRestart) {
            return Optional.of("pending restart flag is not set");
        }
        return Optional.empty();
    }

    /** The same conditions, to run now (a scheduled restart that is due). */
    public RestartRequest immediate() {
        return new RestartRequest(Optional.empty(), restartPending, role, postgresVersion, timeout);
    }

    private static OffsetDateTime schedule(String text, Instant now) {
        OffsetDateTime at;
        try {
            at = OffsetDateTime.parse(text.strip().replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            try {
                LocalDateTime.parse(text.strip().replace(' ', 'T'));
                throw new ControlException(400, "Timezone information is mandatory for the scheduled restart");
            } catch (DateTimeParseException notLocal) {
                throw new ControlException(422,
                        "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601");
            }
        }
        if (at.toInstant().isBefore(now)) {
            throw new ControlException(422, "Cannot schedule restart in the past");
        }
        return at;
    }

    private static String role(String value) {
        return switch (value) {
            case "primary", "master" -> "primary";
            case "replica" -> "replica";
            default -> throw new ControlException(400, "PostgreSQL role should be either primary or replica");
        };
    }

    /** Patroni's rule: X.Y (X at least 10) or X.Y.Z; 15.3 is 150003, 9.6.24 is 90624. */
    static int versionNum(String text) {
        String[] parts = text.split("\\.", -1);
        int[] numbers = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                numbers[i] = Integer.parseInt(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new ControlException(400, "Invalid PostgreSQL version: " + text);
        }
        if (numbers.length < 2 || numbers.length > 3 || numbers.length == 2 && numbers[0] < 10) {
            throw new ControlException(400, "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: " + text);
        }
        return numbers.length == 2 ? numbers[0] * 10000 + numbers[1] : numbers[0] * 10000 + numbers[1] * 100 + numbers[2];
    }

    private static Duration timeout(JsonNode value) {
        Duration d = null;
        if (value.isIntegralNumber()) {
            d = Duration.ofSeconds(value.asLong());
        } else if (value.isTextual()) {
            Matcher m = DURATION.matcher(value.asText().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2) == null ? "s" : m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "min" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofSeconds(n);
                };
            }
        }
        if (d == null || d.toSeconds() <= 0) {
            throw new ControlException(400, "Timeout should be a positive number of seconds");
        }
        return d;
    }
}
