package io.pgwarden.agent.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The node's status as {@code GET /patroni} (and every health check's GET) shows it, field for field
 * as Patroni names and orders them; other agents read it during the leader race. Unknown values are
 * left out, as Patroni leaves them out when PostgreSQL does not answer.
 */
final class StatusJson {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final ObjectMapper mapper;

    StatusJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ObjectNode write(NodeStatus s) {
        ObjectNode json = mapper.createObjectNode();
        json.put("state", s.state());
        if (s.postmasterStartTime() != null) {
            json.put("postmaster_start_time", timestamp(s.postmasterStartTime()));
        }
        json.put("role", s.role());
        if (s.serverVersion() != null) {
            json.put("server_version", s.serverVersion());
        }
        writeXlog(s, json);
        if (s.synchronousStandby()) {
            json.put("sync_standby", true);
        }
        if (s.timeline() != null) {
            json.put("timeline", s.timeline());
        }
        if (s.replicationState() != null) {
            json.put("replication_state", s.replicationState());
        }
        if (!s.replication().isEmpty()) {
            ArrayNode replication = json.putArray("replication");
            for (ReplicationInfo r : s.replication()) {
                replication.addObject()
                        .put("usename", r.usename())
                        .put("application_name", r.applicationName())
                        .put("client_addr", r.clientAddr())
                        .put("state", r.state())
                        .put("sync_state", r.syncState())
                        .put("sync_priority", r.syncPriority());
            }
        }
        if (s.paused()) {
            json.put("pause", true);
        }
        if (s.cluster().flatMap(c -> c.leader()).isEmpty()) {
            json.put("cluster_unlocked", true);
        }
        // Patroni's epoch seconds, 0 until the store first answered.
        json.put("dcs_last_seen", s.dcsLastSeen() == null ? 0 : s.dcsLastSeen().getEpochSecond());
        if (!s.tags().isEmpty()) {
            json.set("tags", mapper.valueToTree(s.tags()));
        }
        if (s.databaseSystemIdentifier() != null) {
            json.put("database_system_identifier", s.databaseSystemIdentifier());
        }
        if (s.pendingRestart()) {
            json.put("pending_restart", true);
        }
        json.putObject("patroni")
                .put("version", s.agentVersion())
                .put("scope", s.scope())
                .put("name", s.name());
        return json;
    }

    private static void writeXlog(NodeStatus s, ObjectNode json) {
        if (NodeStatus.PRIMARY.equals(s.role())) {
            if (s.xlogLocation() != null) {
                json.putObject("xlog").put("location", s.xlogLocation());
            }
        } else if (s.receiveLsn() != null || s.replayLsn() != null) {
            ObjectNode xlog = json.putObject("xlog");
            // Patroni falls back to the replayed position when nothing was received over streaming.
            xlog.put("received_location", s.receiveLsn() != null ? s.receiveLsn() : s.replayLsn());
            xlog.put("replayed_location", s.replayLsn());
            xlog.put("replayed_timestamp", s.replayedTimestamp() == null ? null : timestamp(s.replayedTimestamp()));
            xlog.put("paused", s.replayPaused());
        }
    }

    /**
     * A PostgreSQL timestamp as Patroni prints it (Python's {@code str(datetime)}): {@code 2024-08-28
     * 19:39:26.352526+00:00}, the fraction left out when it is zero.
     */
    static String timestamp(Instant instant) {
        var utc = instant.atOffset(ZoneOffset.UTC);
        int micros = utc.getNano() / 1000;
        return SECONDS.format(utc) + (micros == 0 ? "" : String.format(java.util.Locale.ROOT, ".%06d", micros))
                + "+00:00";
    }
}
