package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.ctl.Session;
import io.pgwarden.ctl.store.ClusterState;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Optional;

/** {@code pgwarden ctl switchover}: the leader hands over to a replica, now or at a scheduled time. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
        description = {"Hand the leader role over to a replica (POST /switchover to the leader).",
                "Exit 0 once done (or scheduled); 1 with the leader's reason when it refuses."})
public final class SwitchoverCommand extends CtlAction {

    @Option(names = {"--leader", "--primary"}, paramLabel = "MEMBER",
            description = "the current leader; refused if another member leads (default: whoever leads)")
    String leader;

    @Option(names = "--candidate", paramLabel = "MEMBER",
            description = "the member to promote (default: the healthiest replica, chosen by the cluster)")
    String candidate;

    @Option(names = "--scheduled", paramLabel = "TIME",
            description = "when: ISO 8601 (2026-11-23T14:00+01:00, or local time), or now (default)")
    String scheduled;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        ClusterState state = session.readExisting();
        PatroniCluster cluster = state.cluster();
        String current = cluster.leader().orElseThrow(() -> CtlException.failed("cluster " + scope
                + " has no leader: nothing to switch over from (failover --candidate promotes a member)"));
        if (leader != null && !leader.equals(current)) {
            throw CtlException.failed("member " + leader + " is not the leader of cluster " + scope + " (" + current
                    + " is)");
        }
        if (candidate != null) {
            LeaderChange.checkCandidate(cluster, scope, candidate, Optional.of(current));
        } else if (cluster.members().entrySet().stream()
                .noneMatch(e -> !e.getKey().equals(current) && !e.getValue().noFailover())) {
            throw CtlException.failed("cluster " + scope + " has no member that could take over from " + current);
        }
        Optional<OffsetDateTime> at = ScheduledTime.parse(scheduled, Clock.systemDefaultZone());
        if (at.isPresent() && cluster.paused()) {
            throw CtlException.failed("cluster " + scope + " is paused: a switchover cannot be scheduled (resume first,"
                    + " or switch over now)");
        }
        if (!force) {
            session.terminal().requireConfirmation("Switch over cluster " + scope + " from " + current + " to "
                    + (candidate == null ? "the best replica" : candidate)
                    + at.map(t -> " at " + ScheduledTime.format(t)).orElse(" now") + "?",
                    "switchover of cluster " + scope);
        }
        return LeaderChange.send(session, cluster, new LeaderChange.Request("switchover", Optional.of(current),
                Optional.ofNullable(candidate), at), true);
    }
}
