package io.pgwarden.bench.failover;

import io.pgwarden.discovery.etcd.EtcdSourceSettings;
import io.pgwarden.discovery.etcd.EtcdTopologySource;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The bench's own view of who holds the leader key: an etcd watch of its own (not the router's),
 * recording every change into a {@link LeaderTimeline} with the time it arrived. While etcd does
 * not answer nothing is recorded: nobody can change the key then either.
 */
final class LeaderWatch implements AutoCloseable {

    private static final Duration CHECK_INTERVAL = Duration.ofMillis(500);
    private static final Duration ISOLATION_TIMEOUT = Duration.ofSeconds(2);

    private final EtcdTopologySource source;

    private LeaderWatch(EtcdTopologySource source) {
        this.source = source;
    }

    /** Starts watching and returns once the first read has been recorded (or etcd did not answer in 2 s). */
    static LeaderWatch start(String etcdUrl, String namespace, String scope, LeaderTimeline timeline) {
        EtcdTopologySource source = new EtcdTopologySource(new EtcdSourceSettings(List.of(URI.create(etcdUrl)),
                namespace, scope, CHECK_INTERVAL, ISOLATION_TIMEOUT));
        try {
            source.addListener(topology -> {
                if (topology.dcsReachable()) {
                    timeline.record(System.nanoTime(), topology.leader());
                }
            });
            source.start();
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        return new LeaderWatch(source);
    }

    @Override
    public void close() {
        source.close();
    }

    @Override
    public String toString() {
        return "LeaderWatch[" + source.current().cluster() + "]";
    }
}
