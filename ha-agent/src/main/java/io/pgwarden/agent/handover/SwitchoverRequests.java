package io.pgwarden.agent.handover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.agent.PeerClient;
import io.pgwarden.agent.dcs.DcsException;
import io.pgwarden.agent.dcs.EtcdDcs;
import io.pgwarden.agent.loop.PeerReport;
import io.pgwarden.agent.loop.SyncMode;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /switchover}, {@code POST /failover} and {@code DELETE /switchover} with Patroni's checks,
 * messages and codes: the request is validated against the cluster as etcd holds it, written to the
 * {@code failover} key, and (unless scheduled) followed until the leader changes or the request is
 * cleared. The leader's loop carries it out; this only asks and reports.
 */
public final class SwitchoverRequests {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchoverRequests.class);
    private static final long POLL_MILLIS = 20;

    private final EtcdDcs dcs;
    private final PeerClient peers;
    private final Clock clock;
    private final Duration resultTimeout;
    private final PatroniJson json = new PatroniJson();
    private final ObjectMapper mapper = new ObjectMapper();

    /** @param resultTimeout how long a request that is not scheduled waits for its outcome */
    public SwitchoverRequests(EtcdDcs dcs, PeerClient peers, Clock clock, Duration resultTimeout) {
        this.dcs = dcs;
        this.peers = peers;
        this.clock = clock;
        this.resultTimeout = resultTimeout;
    }

    /** Patroni answers these with plain text. */
    public record Answer(int code, String text) {
    }

    /** {@code POST /switchover}, {@code POST /failover} or {@code DELETE /switchover}; may block until done. */
    public Answer answer(String method, String path, String body) {
        try {
            if (method.equals("DELETE")) {
                return cancelScheduled();
            }
            return request(path.equals("/failover") ? "failover" : "switchover", body);
        } catch (DcsException e) {
            return new Answer(503, "etcd did not answer: " + e.getMessage());
        }
    }

    private Answer request(String action, String body) {
        JsonNode node;
        try {
            node = body.isBlank() ? mapper.createObjectNode() : mapper.readTree(body);
        } catch (java.io.IOException e) {
            return new Answer(400, "Bad request: the body is not JSON: " + e.getMessage());
        }
        String leader = text(node, "leader").or(() -> text(node, "master")).orElse(null);
        String candidate = text(node, "candidate").orElse(null);
        String scheduled = text(node, "scheduled_at").orElse(null);
        boolean switchover = action.equals("switchover");
        if (switchover && leader == null) {
            return new Answer(400, "Switchover could be performed only from a specific leader");
        }
        if (!switchover && candidate == null) {
            return new Answer(400, "Failover could be performed only to a specific candidate");
        }
        if (candidate != null && candidate.equals(leader)) {
            return new Answer(400, "Switchover target and source are the same");
        }
        PatroniCluster cluster = dcs.read().cluster();
        Instant at = null;
        if (scheduled != null) {
            if (!switchover) {
                return new Answer(400, "Failover can't be scheduled");
            }
            if (cluster.paused()) {
                return new Answer(400, "Can't schedule switchover in the paused state");
            }
            try {
                at = new Failover(null, null, scheduled).scheduledInstant().orElseThrow();
            } catch (RuntimeException e) {
                return new Answer(400, "Unable to parse scheduled timestamp (" + scheduled + ")");
            }
            if (at.isBefore(clock.instant())) {
                return new Answer(422, "Cannot schedule switchover in the past");
            }
        }
        if (cluster.paused() && candidate == null) {
            return new Answer(400, "Switchover is possible only to a specific candidate in a paused state");
        }
        Optional<String> refused = whyNot(cluster, leader, candidate);
        if (refused.isPresent()) {
            return new Answer(412, refused.get());
        }
        String when = at == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
        dcs.put(dcs.keys().failover(), json.writeFailover(new Failover(leader, candidate, when, true)));
        LOG.info("{} requested: from {} to {}{}", action, leader == null ? "the leader" : leader,
                candidate == null ? "the best member" : candidate, when == null ? "" : " at " + when);
        if (at != null) {
            return new Answer(202, "Switchover scheduled");
        }
        return awaitOutcome(action, cluster.leader().orElse(null), candidate);
    }

    private Optional<String> whyNot(PatroniCluster cluster, String leader, String candidate) {
        if (leader != null && !cluster.leader().map(leader::equals).orElse(false)) {
            return Optional.of("leader name does not match");
        }
        if (candidate == null) {
            return Optional.empty(); // the leader picks the best member, or refuses
        }
        MemberData member = cluster.members().get(candidate);
        if (member == null) {
            return Optional.of("candidate does not exists");
        }
        if (SyncMode.of(cluster) != SyncMode.OFF && leader != null && !cluster.sync().map(s -> s.matches(candidate)).orElse(false)) {
            return Optional.of("candidate name does not match with sync_standby");
        }
        PeerReport report = peers.ask(Map.of(candidate, member)).get(0);
        if (!report.reachable() || !report.eligible()) {
            return Optional.of("candidate not healthy");
        }
        return Optional.empty();
    }

    /** Follows the cluster until the request is carried out or cleared, at most {@code resultTimeout}. */
    private Answer awaitOutcome(String action, String oldLeader, String candidate) {
        String done = action.equals("switchover") ? "switched over" : "failed over";
        long deadline = System.nanoTime() + resultTimeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            sleep();
            PatroniCluster cluster;
            try {
                cluster = dcs.read().cluster();
            } catch (DcsException e) {
                continue;
            }
            Optional<String> leader = cluster.leader();
            if (cluster.failover().isEmpty() && leader.isPresent()) {
                if (candidate != null ? leader.get().equals(candidate) : !leader.get().equals(oldLeader)) {
                    return new Answer(200, "Successfully " + done + " to \"" + leader.get() + "\"");
                }
                return new Answer(503, capitalized(action) + " failed");
            }
        }
        return new Answer(503, capitalized(action) + " status unknown");
    }

    private Answer cancelScheduled() {
        Optional<Failover> request = dcs.read().cluster().failover();
        if (request.isEmpty() || request.get().scheduledAt() == null) {
            return new Answer(404, "no switchover is scheduled");
        }
        dcs.put(dcs.keys().failover(), json.noFailover());
        return new Answer(200, "scheduled switchover deleted");
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static String capitalized(String action) {
        return Character.toUpperCase(action.charAt(0)) + action.substring(1);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
