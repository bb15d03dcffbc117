package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlAction;
import io.pgwarden.ctl.Session;
import io.pgwarden.discovery.patroni.PatroniCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Optional;

/**
 * {@code pgwarden ctl failover --candidate MEMBER}: promote that member, whether or not the cluster
 * has a healthy leader (with one, it is a switchover to that candidate).
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = {"Promote a chosen member (POST /failover to the leader, or to the candidate when there is no leader).",
                "Works without a leader; with one it hands over as a switchover does."})
public final class FailoverCommand extends CtlAction {

    @Option(names = "--candidate", required = true, paramLabel = "MEMBER", description = "the member to promote")
    String candidate;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    protected int run(Session session) {
        String scope = session.scope();
        PatroniCluster cluster = session.readExisting().cluster();
        Optional<String> leader = cluster.leader().filter(cluster.members()::containsKey);
        LeaderChange.checkCandidate(cluster, scope, candidate, leader);
        if (!force) {
            session.terminal().requireConfirmation("Fail over cluster " + scope + " to " + candidate
                    + leader.map(l -> ", demoting the current leader " + l).orElse(" (it has no leader)") + "?",
                    "failover of cluster " + scope);
        }
        return LeaderChange.send(session, cluster, new LeaderChange.Request("failover", leader, Optional.of(candidate),
                Optional.empty()), true);
    }
}
