package io.pgwarden.agent.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgwarden.discovery.patroni.ClusterConfig;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.Lsn;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The cluster as {@code GET /cluster} shows it (what {@code patronictl list} prints): one entry per
 * member key, sorted by name, with each replica's lag behind the leader's last known position.
 */
final class ClusterJson {

    private final ObjectMapper mapper;

    ClusterJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ObjectNode write(PatroniCluster cluster, String scope) {
        ObjectNode json = mapper.createObjectNode();
        ArrayNode members = json.putArray("members");
        String leader = cluster.leader().orElse(null);
        OptionalLong leaderLsn = leaderPosition(cluster);
        for (Map.Entry<String, MemberData> entry : cluster.members().entrySet()) { // sorted by name
            String name = entry.getKey();
            MemberData m = entry.getValue();
            ObjectNode member = members.addObject();
            String role = role(cluster, name);
            member.put("name", name);
            member.put("role", role);
            // Patroni shows a replica's replication state (streaming) in place of "running".
            String state = !name.equals(leader) && m.replicationState() != null
                    ? m.replicationState() : m.state() == null ? "" : m.state();
            member.put("state", state);
            member.put("api_url", m.apiUrl());
            try {
                var address = m.address();
                member.put("host", address.host());
                member.put("port", address.port());
            } catch (IllegalArgumentException noAddress) {
                // Patroni leaves host and port out when the member key has none.
            }
            if (m.timeline() != null) {
                member.put("timeline", m.timeline());
            }
            if (m.pendingRestart()) {
                member.put("pending_restart", true);
            }
            if (m.scheduledRestart() != null) {
                member.set("scheduled_restart", mapper.valueToTree(m.scheduledRestart()));
            }
            if (m.tags() != null) {
                member.set("tags", mapper.valueToTree(m.tags()));
            }
            if (!name.equals(leader)) {
                putLag(member, "receive_", m.receiveLsn(), leaderLsn);
                putLag(member, "replay_", m.replayLsn(), leaderLsn);
                putLag(member, "", m.xlogLocation(), leaderLsn);
            }
        }
        if (cluster.paused()) {
            json.put("pause", true);
        }
        cluster.failover().filter(f -> f.scheduledAt() != null).ifPresent(f -> writeScheduled(json, f));
        json.put("scope", scope);
        return json;
    }

    /**
     * The freshest leader position known: the {@code status} key's optime (or the legacy
     * {@code optime/leader}), or the leader's own {@code xlog_location} when that is further.
     */
    static OptionalLong leaderPosition(PatroniCluster cluster) {
        OptionalLong optime = cluster.lastLeaderLsn();
        Long own = cluster.leaderMember().map(MemberData::xlogLocation).orElse(null);
        if (own == null) {
            return optime;
        }
        return OptionalLong.of(optime.isPresent() ? Math.max(optime.getAsLong(), own) : own);
    }

    private static String role(PatroniCluster cluster, String name) {
        Map<String, Object> config = cluster.config().map(ClusterConfig::other).orElse(Map.of());
        if (cluster.leader().filter(name::equals).isPresent()) {
            return config.get("standby_cluster") instanceof Map<?, ?> standby && !standby.isEmpty()
                    ? "standby_leader" : "leader";
        }
        Object mode = config.get("synchronous_mode");
        boolean quorum = "quorum".equals(mode);
        boolean synchronous = quorum || Boolean.TRUE.equals(mode) || mode instanceof String text
                && switch (text.toLowerCase(Locale.ROOT)) {
                    case "on", "true", "yes", "1" -> true;
                    default -> false;
                };
        if (synchronous && cluster.sync().map(s -> s.syncStandbys().contains(name)).orElse(false)) {
            return quorum ? "quorum_standby" : "sync_standby";
        }
        return "replica";
    }

    /** {@code <prefix>lag} and {@code <prefix>lsn}, or {@code "unknown"} for both. */
    private static void putLag(ObjectNode member, String prefix, Long lsn, OptionalLong leaderLsn) {
        if (lsn == null || lsn == 0) {
            member.put(prefix + "lag", "unknown");
            member.put(prefix + "lsn", "unknown");
            return;
        }
        if (leaderLsn.isPresent()) {
            member.put(prefix + "lag", Math.max(0, leaderLsn.getAsLong() - lsn));
        } else {
            member.put(prefix + "lag", "unknown");
        }
        member.put(prefix + "lsn", Lsn.format(lsn));
    }

    private static void writeScheduled(ObjectNode json, Failover failover) {
        ObjectNode scheduled = json.putObject("scheduled_switchover").put("at", failover.scheduledAt());
        if (failover.leader() != null) {
            scheduled.put("from", failover.leader());
        }
        if (failover.candidate() != null) {
            scheduled.put("to", failover.candidate());
        }
    }
}
