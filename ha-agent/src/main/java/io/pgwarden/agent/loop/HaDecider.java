package io.pgwarden.agent.loop;

import io.pgwarden.discovery.patroni.ConnUrl;
import io.pgwarden.discovery.patroni.Failover;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The HA decision: one observation in, one action out, no side effects. The rules, in order:
 * a node never stays writable past its renew deadline or without the key; a node with no data
 * initializes or clones; the key holder leads (or promotes, or restarts); everyone else follows the
 * key holder, rewinding first when it was a primary on an older timeline; with no key, the healthy,
 * fresh, allowed nodes run for it.
 */
public final class HaDecider {

    public Action decide(Observation o) {
        Action action = decideUnpaused(o);
        // Pause narrows the decision afterwards (PauseRules): the rules below stay as they are.
        return o.cluster().filter(PatroniCluster::paused).map(c -> PauseRules.restrict(action, o, c)).orElse(action);
    }

    private Action decideUnpaused(Observation o) {
        LocalState local = o.local();
        if (o.cluster().isEmpty()) {
            if (local.runningPrimary() && o.pastRenewDeadline()) {
                return new Action.Demote("etcd has not answered for " + o.sinceRenewal().toMillis()
                        + " ms, the lease may be ending", true);
            }
            return new Action.Wait("etcd is not answering");
        }
        PatroniCluster cluster = o.cluster().get();
        Optional<String> leader = cluster.leader();

        if (!local.hasData()) {
            if (cluster.initialize().isEmpty() && leader.isEmpty()) {
                return new Action.Initialize();
            }
            return cloneSource(cluster, o.me())
                    .<Action>map(Action.Clone::new)
                    .orElse(new Action.Wait("waiting for a running leader to clone from"));
        }

        if (leader.isPresent() && leader.get().equals(o.me())) {
            return asKeyHolder(o, cluster, local);
        }
        if (leader.isPresent()) {
            return asFollower(o, cluster, local, leader.get());
        }
        return withoutLeader(o, cluster, local);
    }

    private Action asKeyHolder(Observation o, PatroniCluster cluster, LocalState local) {
        if (o.pastRenewDeadline()) {
            return local.runningPrimary()
                    ? new Action.Demote("could not renew the lease for " + o.sinceRenewal().toMillis() + " ms", true)
                    : new Action.Wait("the lease is not renewed; not starting");
        }
        Optional<String> stale = StaleCheck.whyStale(local, cluster);
        if (stale.isPresent() && !local.runningPrimary()) {
            return new Action.ReleaseKey("this node is stale: " + stale.get());
        }
        if (!local.running() && local.inRecovery()) {
            // Its data is a standby's (a promotion that did not happen): start it as one, promote next.
            return new Action.StartStandby(null);
        }
        if (!local.running()) {
            return new Action.StartPrimary();
        }
        if (local.inRecovery()) {
            return new Action.Promote();
        }
        Optional<Failover> request = o.dueRequest();
        if (request.isPresent()) {
            return handOver(o, cluster, request.get());
        }
        return new Action.Lead();
    }

    /** A due request seen by the leader; manual switchovers run in pause too. */
    private static Action handOver(Observation o, PatroniCluster cluster, Failover request) {
        String leader = request.leader();
        String candidate = request.candidate();
        if (leader != null && !leader.isEmpty() && !leader.equals(o.me())) {
            return new Action.ClearFailover("it is from " + leader + ", but " + o.me() + " leads");
        }
        if (candidate != null && candidate.equals(o.me())) {
            return new Action.ClearFailover(o.me() + " already leads");
        }
        if (candidate != null && !candidate.isEmpty() && !cluster.members().containsKey(candidate)) {
            return new Action.ClearFailover("candidate " + candidate + " is not a member");
        }
        return new Action.Switchover(candidate == null || candidate.isEmpty() ? null : candidate);
    }

    private Action asFollower(Observation o, PatroniCluster cluster, LocalState local, String leader) {
        if (local.runningPrimary()) {
            return new Action.Demote(leader + " holds the leader key", false);
        }
        MemberData leaderData = cluster.members().get(leader);
        if (leaderData == null) {
            return new Action.Wait("leader " + leader + " has no member key yet");
        }
        if (Divergence.diverged(local, leaderData.timelineValue().orElse(0), cluster)) {
            return new Action.Rewind(leader);
        }
        if (!local.running()) {
            return new Action.StartStandby(leader);
        }
        if (namedCandidate(o, leader) && local.answering() && local.inRecovery()) {
            return new Action.AwaitHandover(leader);
        }
        if (leaseEnding(o)) {
            return local.following() == null ? new Action.Wait("leader " + leader + "'s lease is ending")
                    : new Action.Detach(leader);
        }
        // During a coordinated switchover a standby streams from the candidate ahead of time (cascading,
        // then across the promotion), so the new primary has standbys from its first commit on.
        String upstream = switchoverCandidate(o, cluster, leader).orElse(leader);
        String address = address(cluster.members().get(upstream));
        if (!address.equals(local.following())) {
            return new Action.Follow(upstream);
        }
        return new Action.Replicate(leader);
    }

    /** A coordinated switchover from {@code leader} names this node. */
    private static boolean namedCandidate(Observation o, String leader) {
        return coordinatedCandidate(o, leader).filter(o.me()::equals).isPresent();
    }

    /** The candidate of a due coordinated request from {@code leader} (or from no leader named). */
    private static Optional<String> coordinatedCandidate(Observation o, String leader) {
        return o.dueRequest()
                .filter(Failover::coordinated)
                .filter(f -> f.leader() == null || f.leader().isEmpty() || f.leader().equals(leader))
                .map(Failover::candidate);
    }

    /** The running candidate of a coordinated switchover from {@code leader}, if it is not this node. */
    private static Optional<String> switchoverCandidate(Observation o, PatroniCluster cluster, String leader) {
        return coordinatedCandidate(o, leader)
                .filter(c -> !c.isEmpty() && !c.equals(o.me()) && !c.equals(leader))
                .filter(c -> cluster.members().containsKey(c) && "running".equals(cluster.members().get(c).state()));
    }

    private Action withoutLeader(Observation o, PatroniCluster cluster, LocalState local) {
        if (local.runningPrimary()) {
            if (!o.pastRenewDeadline() && StaleCheck.whyStale(local, cluster).isEmpty()) {
                return new Action.Reacquire();
            }
            return new Action.Demote("the leader key is gone", o.pastRenewDeadline());
        }
        if (!local.running()) {
            return new Action.StartStandby(null);
        }
        Optional<Failover> request = o.dueRequest();
        String candidate = request.map(Failover::candidate).filter(c -> !c.isEmpty()).orElse(null);
        if (o.me().equals(candidate)) {
            return whyNotCandidate(o, cluster, local)
                    .<Action>map(why -> new Action.ClearFailover("candidate " + o.me() + " may not lead: " + why))
                    .orElse(new Action.TakeOver());
        }
        if (candidate != null && cluster.members().containsKey(candidate)
                && "running".equals(cluster.members().get(candidate).state())) {
            return new Action.Wait("no leader; the switchover's candidate " + candidate + " is taking over");
        }
        if (cluster.paused()) {
            return new Action.Wait("paused: no automatic failover");
        }
        return whyNotCandidate(o, cluster, local)
                .<Action>map(Action.Wait::new)
                .orElse(new Action.Elect());
    }

    /** Why this node may not run for leader now, or empty when it may. */
    static Optional<String> whyNotCandidate(Observation o, PatroniCluster cluster, LocalState local) {
        if (!o.mayBePromoted()) {
            return Optional.of("no leader; this node is tagged not to be promoted");
        }
        if (!local.answering()) {
            return Optional.of("no leader; this node's PostgreSQL is not answering yet");
        }
        Optional<String> stale = StaleCheck.whyStale(local, cluster);
        if (stale.isPresent()) {
            return Optional.of("no leader; this node may not lead: " + stale.get());
        }
        OptionalLong last = cluster.lastLeaderLsn();
        if (last.isPresent() && last.getAsLong() - local.lsn() > o.maximumLagOnFailover()) {
            return Optional.of("no leader; this node is " + (last.getAsLong() - local.lsn())
                    + " bytes behind the last leader position, more than maximum_lag_on_failover");
        }
        if (o.syncMode() != SyncMode.OFF && cluster.sync().isPresent() && !cluster.sync().get().matches(o.me())) {
            return Optional.of("no leader; this node was not a synchronous standby");
        }
        return Optional.empty();
    }

    /** A standby leaves a leader whose lease will end before the leader could renew it. */
    private static boolean leaseEnding(Observation o) {
        OptionalLong remaining = o.leaderLeaseRemaining();
        return remaining.isPresent() && remaining.getAsLong() * 1000 < o.timing().retryTimeout().toMillis();
    }

    /** A running member tagged clonefrom, else the leader; never this node. */
    static Optional<String> cloneSource(PatroniCluster cluster, String me) {
        Optional<String> leader = cluster.leader().filter(l -> cluster.members().containsKey(l));
        for (Map.Entry<String, MemberData> member : cluster.members().entrySet()) {
            MemberData data = member.getValue();
            if (!member.getKey().equals(me) && data.tag("clonefrom") && "running".equals(data.state())) {
                return Optional.of(member.getKey());
            }
        }
        return leader.filter(l -> !l.equals(me)).filter(l -> "running".equals(cluster.members().get(l).state()));
    }

    /** {@code host:port} of a member's PostgreSQL, as its conn_url says. */
    public static String address(MemberData member) {
        ConnUrl url = member.address();
        return url.host() + ":" + url.port();
    }
}
