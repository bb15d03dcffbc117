package io.pgwarden.agent.handover;

import io.pgwarden.agent.dcs.EtcdDcs;
import io.pgwarden.discovery.drain.Drain;
import io.pgwarden.discovery.drain.DrainJson;
import io.pgwarden.discovery.drain.DrainKeys;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The leaving leader's side of a coordinated switchover: announce {@code drain}, then wait until every
 * router registered under {@code routers/} has answered under {@code drained/} with the drain's id, or
 * the drain's timeout passes. A router that dies meanwhile loses its lease, and with it its
 * registration: it is not waited for beyond that.
 */
public final class RouterDrain {

    private final EtcdDcs dcs;
    private final DrainKeys keys;
    private final DrainJson json = new DrainJson();
    private final io.pgwarden.discovery.patroni.PatroniJson patroniJson = new io.pgwarden.discovery.patroni.PatroniJson();

    public RouterDrain(EtcdDcs dcs, DrainKeys keys) {
        this.dcs = dcs;
        this.keys = keys;
    }

    /**
     * What the routers did.
     *
     * @param routers  those registered when the wait ended
     * @param drained  those that acknowledged this drain
     * @param took     from the announcement to the end of the wait
     * @param timedOut whether the wait ended at the timeout rather than with every acknowledgement
     */
    public record Outcome(Set<String> routers, Set<String> drained, Duration took, boolean timedOut) {
    }

    /** Puts {@code drain} on {@code lease} (it goes with this agent) and waits for the routers. */
    public Outcome run(Drain drain, long lease) {
        long start = System.nanoTime();
        Map<String, String> kvs = dcs.awaitKeys(() -> dcs.putOnLease(keys.drain(), json.write(drain), lease),
                now -> drained(now, drain).containsAll(routers(now)), drain.timeout());
        Set<String> routers = routers(kvs);
        Set<String> drained = drained(kvs, drain);
        return new Outcome(routers, drained, Duration.ofNanos(System.nanoTime() - start), !drained.containsAll(routers));
    }

    private Set<String> routers(Map<String, String> kvs) {
        return ids(kvs, keys.routersPrefix(), null);
    }

    private Set<String> drained(Map<String, String> kvs, Drain drain) {
        return ids(kvs, keys.drainedPrefix(), drain.id());
    }

    /**
     * Waits (woken by etcd's watch, not polling) until {@code leader} no longer holds the key or the
     * request naming {@code me} is gone, at most {@code timeout}; then the cluster and drain as they are.
     */
    public Snapshot awaitRelease(String leader, String me, Duration timeout) {
        Map<String, String> kvs = dcs.awaitKeys(now -> {
            Snapshot s = snapshot(now);
            boolean named = s.cluster().failover().map(f -> f.coordinatedTo(me)).orElse(false);
            return !named || !s.cluster().leader().map(leader::equals).orElse(false);
        }, timeout);
        return snapshot(kvs);
    }

    /**
     * Records the stopped leader's last position in {@code drain} (for the candidate to wait for) and
     * releases the leader key, with {@code status}, in one transaction. False if the key was not held.
     */
    public boolean releaseStopped(Drain drain, long lsn, long lease, String status) {
        return dcs.releaseLeader(Map.of(dcs.keys().status(), status),
                Map.of(keys.drain(), json.write(drain.stoppedAt(lsn))), lease);
    }

    /** The drain naming {@code candidate}, if one is under way. */
    public java.util.Optional<Drain> current() {
        return dcs.get(keys.drain()).flatMap(json::read);
    }

    /** The cluster and the drain, from one read of the prefix. */
    public record Snapshot(io.pgwarden.discovery.patroni.PatroniCluster cluster, java.util.Optional<Drain> drain) {
    }

    public Snapshot snapshot() {
        return snapshot(dcs.list(keys.keys().prefix()));
    }

    private Snapshot snapshot(Map<String, String> kvs) {
        return new Snapshot(io.pgwarden.discovery.patroni.PatroniCluster.decode(keys.keys(), kvs, patroniJson),
                json.read(kvs.get(keys.drain())));
    }

    public void clear() {
        dcs.delete(keys.drain());
    }

    private static Set<String> ids(Map<String, String> kvs, String prefix, String value) {
        Set<String> ids = new TreeSet<>();
        kvs.forEach((key, v) -> DrainKeys.idBelow(prefix, key)
                .filter(id -> value == null || value.equals(v.strip()))
                .ifPresent(ids::add));
        return ids;
    }
}
