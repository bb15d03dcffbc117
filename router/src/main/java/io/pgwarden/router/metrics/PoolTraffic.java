package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The traffic meters of one pool (database, user), shared by all of its clients on every event
 * loop. Recording is a LongAdder add or a Timer record: no lookups, no tags. Query and
 * transaction counts are the timers' counts, so a count and its histogram always agree.
 */
public final class PoolTraffic {

    /** Reported over a sliding window (Micrometer's default, about two minutes), from HdrHistogram. */
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final String database;
    private final String user;
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final Timer queries;
    private final Timer transactions;
    private final Timer waits;

    PoolTraffic(String database, String user, MeterRegistry registry) {
        this.database = database;
        this.user = user;
        Tags tags = Tags.of("database", database, "user", user);
        queries = timer("pgwarden_query_duration", "From a client's query, or the first message of an extended-protocol"
                + " batch, to the ReadyForQuery that ends it", tags, registry);
        transactions = timer("pgwarden_transaction_duration", "From the first message of a transaction to the"
                + " ReadyForQuery that ends it (status idle)", tags, registry);
        waits = timer("pgwarden_pool_wait", "Time a client waited for a server connection (at login, and per"
                + " transaction in transaction mode)", tags, registry);
        FunctionCounter.builder("pgwarden_client_received_bytes", bytesReceived, LongAdder::sum).baseUnit(BaseUnits.BYTES)
                .description("Bytes received from clients after login and forwarded to servers").tags(tags).register(registry);
        FunctionCounter.builder("pgwarden_client_sent_bytes", bytesSent, LongAdder::sum).baseUnit(BaseUnits.BYTES)
                .description("Bytes forwarded from servers to clients").tags(tags).register(registry);
        FunctionCounter.builder("pgwarden_queries", queries, Timer::count)
                .description("Queries answered (ReadyForQuery received for a client's query or Sync)").tags(tags).register(registry);
        FunctionCounter.builder("pgwarden_transactions", transactions, Timer::count)
                .description("Transactions ended (ReadyForQuery with status idle)").tags(tags).register(registry);
    }

    private static Timer timer(String name, String description, Tags tags, MeterRegistry registry) {
        return Timer.builder(name).description(description).tags(tags).publishPercentiles(PERCENTILES).register(registry);
    }

    void received(int bytes) {
        bytesReceived.add(bytes);
    }

    void sent(int bytes) {
        bytesSent.add(bytes);
    }

    void query(long nanos) {
        queries.record(nanos, TimeUnit.NANOSECONDS);
    }

    void transaction(long nanos) {
        transactions.record(nanos, TimeUnit.NANOSECONDS);
    }

    void waited(long nanos) {
        waits.record(nanos, TimeUnit.NANOSECONDS);
    }

    public TrafficSnapshot snapshot() {
        return new TrafficSnapshot(database, user, transactions.count(), queries.count(), bytesReceived.sum(),
                bytesSent.sum(), micros(transactions), micros(queries), micros(waits));
    }

    private static long micros(Timer timer) {
        return (long) timer.totalTime(TimeUnit.MICROSECONDS);
    }
}
