package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PoolTraffic} of every pool (database, user) that has had a client logged in,
 * created at the first login: only pairs PostgreSQL accepted become meters, so clients asking
 * for made-up databases cannot grow the registry.
 */
final class TrafficMeters {

    private final MeterRegistry registry;
    private final Map<Pool, PoolTraffic> pools = new ConcurrentHashMap<>();

    TrafficMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The clock durations are taken from: the registry's, so tests can drive it. */
    Clock clock() {
        return registry.config().clock();
    }

    PoolTraffic pool(String database, String user) {
        return pools.computeIfAbsent(new Pool(database, user), p -> new PoolTraffic(p.database(), p.user(), registry));
    }

    /** The meters of a (database, user) that has had a client logged in, else null. */
    PoolTraffic existing(String database, String user) {
        return pools.get(new Pool(database, user));
    }

    List<TrafficSnapshot> snapshots() {
        return pools.values().stream().map(PoolTraffic::snapshot)
                .sorted(Comparator.comparing(TrafficSnapshot::database).thenComparing(TrafficSnapshot::user))
                .toList();
    }

    private record Pool(String database, String user) {
    }
}
