package io.pgwarden.agent.postgres;

import io.pgwarden.discovery.patroni.Lsn;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code pg_controldata} reports about a data directory, read while the server is up or down.
 *
 * @param systemIdentifier       the cluster's identity, shared by a primary and its standbys (an unsigned
 *                               64-bit number, kept as PostgreSQL prints it)
 * @param state                  "Database cluster state": {@code in production}, {@code shut down},
 *                               {@code shut down in recovery}, {@code in archive recovery},
 *                               {@code in crash recovery}, {@code shutting down}, {@code starting up}
 * @param checkpointTimeline     the latest checkpoint's timeline
 * @param checkpointLsn          the latest checkpoint's location
 * @param minRecoveryEndLsn      how far a standby must replay before it is consistent; 0 on a primary
 * @param minRecoveryEndTimeline that location's timeline; 0 on a primary
 */
public record ControlData(String systemIdentifier, String state, long checkpointTimeline, long checkpointLsn,
                          long minRecoveryEndLsn, long minRecoveryEndTimeline) {

    public ControlData {
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        Objects.requireNonNull(state, "state");
    }

    /** Whether the last shutdown was clean (as a primary or as a standby). */
    public boolean cleanlyShutDown() {
        return state.equals("shut down") || state.equals("shut down in recovery");
    }

    /**
     * Parses {@code pg_controldata}'s output, which must be in English ({@code LC_ALL=C}): its labels
     * are translated otherwise.
     *
     * @throws PostgresException if a field the agent needs is missing or malformed
     */
    public static ControlData parse(String output) {
        Map<String, String> fields = new HashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        try {
            return new ControlData(
                    field(fields, "Database system identifier"),
                    field(fields, "Database cluster state"),
                    Long.parseLong(field(fields, "Latest checkpoint's TimeLineID")),
                    Lsn.parse(field(fields, "Latest checkpoint location")),
                    Lsn.parse(field(fields, "Minimum recovery ending location")),
                    Long.parseLong(field(fields, "Min recovery ending loc's timeline")));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            throw new PostgresException("unexpected pg_controldata output: " + e.getMessage() + "\n"
                    + CommandOutput.tail(output, CommandOutput.TAIL_LINES), e);
        }
    }

    private static String field(Map<String, String> fields, String label) {
        String value = fields.get(label);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("no \"" + label + "\"");
        }
        return value;
    }
}
