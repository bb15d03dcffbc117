package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** What a session's frames turn into: bytes, queries, transactions and waits, timed on a mock clock. */
class ClientTrafficTest {

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final TrafficMeters meters = new TrafficMeters(registry);
    private final AtomicInteger listenerClients = new AtomicInteger();
    private final List<ByteBuf> frames = new ArrayList<>();

    @AfterEach
    void release() {
        frames.forEach(ByteBuf::release);
    }

    private ClientTraffic loggedIn() {
        ClientTraffic client = new ClientTraffic(meters, "app", "alice", listenerClients);
        client.loggedIn();
        return client;
    }

    private ByteBuf frame(char type, int payloadLength) {
        ByteBuf frame = Unpooled.buffer().writeByte(type).writeInt(4 + payloadLength).writeZero(payloadLength);
        frames.add(frame);
        return frame;
    }

    private ByteBuf readyForQuery(char status) {
        ByteBuf frame = Unpooled.buffer().writeByte('Z').writeInt(5).writeByte(status);
        frames.add(frame);
        return frame;
    }

    private void advanceMillis(long millis) {
        clock.add(millis, TimeUnit.MILLISECONDS);
    }

    private Timer timer(String name) {
        return registry.get(name).tags("database", "app", "user", "alice").timer();
    }

    private TrafficSnapshot snapshot() {
        return meters.snapshots().get(0);
    }

    @Test
    void aSimpleQueryIsOneQueryAndOneTransactionTimedToItsReadyForQuery() {
        ClientTraffic client = loggedIn();
        client.received(frame('Q', 20));
        advanceMillis(3);
        client.sent(frame('T', 30));
        client.sent(frame('D', 10));
        client.sent(frame('C', 9));
        client.sent(readyForQuery('I'));

        TrafficSnapshot totals = snapshot();
        assertThat(totals.queries()).isEqualTo(1);
        assertThat(totals.transactions()).isEqualTo(1);
        assertThat(totals.queryMicros()).isEqualTo(3_000);
        assertThat(totals.transactionMicros()).isEqualTo(3_000);
        assertThat(totals.bytesReceived()).isEqualTo(25);
        assertThat(totals.bytesSent()).isEqualTo(35 + 15 + 14 + 6);
        assertThat(timer("pgwarden_query_duration").max(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
    }

    @Test
    void anExplicitTransactionSpansItsQueriesAndTheIdleTimeBetweenThem() {
        ClientTraffic client = loggedIn();
        client.received(frame('Q', 6));      // BEGIN
        advanceMillis(1);
        client.sent(readyForQuery('T'));
        advanceMillis(5);                    // the application thinks
        client.received(frame('Q', 20));     // SELECT
        advanceMillis(2);
        client.sent(readyForQuery('T'));
        client.received(frame('Q', 7));      // COMMIT
        advanceMillis(1);
        client.sent(readyForQuery('I'));

        TrafficSnapshot totals = snapshot();
        assertThat(totals.queries()).isEqualTo(3);
        assertThat(totals.queryMicros()).isEqualTo(4_000);
        assertThat(totals.transactions()).isEqualTo(1);
        assertThat(totals.transactionMicros()).isEqualTo(9_000);
    }

    @Test
    void aFailedTransactionLastsUntilTheRollback() {
        ClientTraffic client = loggedIn();
        client.received(frame('Q', 6));
        client.sent(readyForQuery('T'));
        client.received(frame('Q', 20));
        advanceMillis(2);
        client.sent(frame('E', 40));
        client.sent(readyForQuery('E'));
        client.received(frame('Q', 9));
        advanceMillis(1);
        client.sent(readyForQuery('I'));

        assertThat(snapshot().transactions()).isEqualTo(1);
        assertThat(snapshot().transactionMicros()).isEqualTo(3_000);
        assertThat(snapshot().queries()).isEqualTo(3);
    }

    @Test
    void anExtendedProtocolBatchIsOneQueryFromItsFirstMessage() {
        ClientTraffic client = loggedIn();
        client.received(frame('P', 30));
        advanceMillis(1);
        client.received(frame('B', 12));
        client.received(frame('D', 2));
        client.received(frame('E', 5));
        client.received(frame('S', 0));
        advanceMillis(2);
        client.sent(frame('1', 0));
        client.sent(frame('2', 0));
        client.sent(frame('C', 9));
        client.sent(readyForQuery('I'));

        assertThat(snapshot().queries()).isEqualTo(1);
        assertThat(snapshot().queryMicros()).isEqualTo(3_000);
        assertThat(snapshot().transactions()).isEqualTo(1);
    }

    @Test
    void framesThatArriveAsOneRunCountAsTheyWouldOneByOne() {
        ClientTraffic client = loggedIn();
        ByteBuf run = Unpooled.wrappedBuffer(frame('P', 20), frame('B', 10), frame('E', 5), frame('S', 0),
                frame('Q', 10)).retain();
        frames.add(run);
        client.received(run);
        advanceMillis(1);
        ByteBuf replies = Unpooled.wrappedBuffer(frame('1', 0), frame('2', 0), frame('C', 9), readyForQuery('I')).retain();
        frames.add(replies);
        client.sent(replies);
        advanceMillis(2);
        client.sent(readyForQuery('I'));

        assertThat(snapshot().queries()).isEqualTo(2);
        assertThat(snapshot().bytesReceived()).isEqualTo(5 * 5 + 20 + 10 + 5 + 10);
        assertThat(snapshot().queryMicros()).isEqualTo(1_000 + 2_000);
    }

    @Test
    void pipelinedQueriesEachEndAtTheirOwnReadyForQuery() {
        ClientTraffic client = loggedIn();
        client.received(frame('Q', 10));
        client.received(frame('Q', 10));
        client.received(frame('Q', 10));
        advanceMillis(1);
        client.sent(readyForQuery('I'));
        advanceMillis(2);
        client.sent(readyForQuery('I'));
        advanceMillis(3);
        client.sent(readyForQuery('I'));
        advanceMillis(50);                   // idle: belongs to no query
        client.received(frame('Q', 10));
        advanceMillis(4);
        client.sent(readyForQuery('I'));

        assertThat(snapshot().queries()).isEqualTo(4);
        assertThat(snapshot().transactions()).isEqualTo(4);
        assertThat(snapshot().queryMicros()).isEqualTo(10_000);
        assertThat(timer("pgwarden_query_duration").max(TimeUnit.MILLISECONDS)).isEqualTo(4.0);
    }

    @Test
    void syncsTheServerIgnoresDuringCopyInDoNotLeaveAQueryRunning() {
        ClientTraffic client = loggedIn();
        // Extended-protocol COPY FROM STDIN, with the Sync pipelined behind the Execute.
        client.received(frame('P', 30));
        client.received(frame('B', 12));
        client.received(frame('E', 5));
        client.received(frame('S', 0));
        client.sent(frame('1', 0));
        client.sent(frame('2', 0));
        client.sent(frame('G', 3));
        client.received(frame('d', 100));
        client.received(frame('S', 0));      // ignored by the server in copy-in
        client.received(frame('c', 0));
        client.received(frame('S', 0));
        advanceMillis(2);
        client.sent(frame('C', 9));
        client.sent(readyForQuery('I'));
        advanceMillis(100);
        client.received(frame('Q', 10));
        advanceMillis(1);
        client.sent(readyForQuery('I'));

        assertThat(snapshot().queries()).isEqualTo(2);
        assertThat(snapshot().queryMicros()).isEqualTo(3_000);
        assertThat(timer("pgwarden_query_duration").max(TimeUnit.MILLISECONDS)).isEqualTo(2.0);
    }

    @Test
    void simpleQueryCopyInIsOneQuery() {
        ClientTraffic client = loggedIn();
        client.received(frame('Q', 30));
        client.sent(frame('G', 3));
        client.received(frame('d', 100));
        client.received(frame('c', 0));
        advanceMillis(1);
        client.sent(frame('C', 9));
        client.sent(readyForQuery('I'));
        advanceMillis(100);
        client.received(frame('Q', 10));
        advanceMillis(1);
        client.sent(readyForQuery('I'));

        assertThat(snapshot().queries()).isEqualTo(2);
        assertThat(snapshot().queryMicros()).isEqualTo(2_000);
    }

    @Test
    void theLoginWaitIsRecordedOnceThePoolIsKnownAndLaterWaitsAtOnce() {
        ClientTraffic client = new ClientTraffic(meters, "app", "alice", listenerClients);
        client.checkoutStarted();
        advanceMillis(7);
        client.checkoutEnded();
        assertThat(meters.snapshots()).isEmpty();

        client.loggedIn();
        assertThat(snapshot().waitMicros()).isEqualTo(7_000);
        client.checkoutStarted();
        advanceMillis(2);
        client.checkoutEnded();
        assertThat(snapshot().waitMicros()).isEqualTo(9_000);
        assertThat(timer("pgwarden_pool_wait").count()).isEqualTo(2);
    }

    @Test
    void aFailedLoginWaitCountsOnceItsPoolHasMeters() {
        ClientTraffic first = new ClientTraffic(meters, "app", "alice", listenerClients);
        first.checkoutStarted();
        advanceMillis(3);
        first.checkoutEnded();
        first.closed();                      // e.g. pool_timeout: never logged in
        assertThat(meters.snapshots()).isEmpty();

        loggedIn();
        ClientTraffic timedOut = new ClientTraffic(meters, "app", "alice", listenerClients);
        timedOut.checkoutStarted();
        advanceMillis(30);
        timedOut.checkoutEnded();
        timedOut.closed();
        assertThat(snapshot().waitMicros()).isEqualTo(30_000);
        assertThat(timer("pgwarden_pool_wait").count()).isEqualTo(1);
    }

    @Test
    void aClientCountsOnItsListenerFromLoginToClose() {
        ClientTraffic client = new ClientTraffic(meters, "app", "alice", listenerClients);
        assertThat(listenerClients).hasValue(0);
        client.loggedIn();
        client.loggedIn();
        assertThat(listenerClients).hasValue(1);
        client.closed();
        client.closed();
        assertThat(listenerClients).hasValue(0);

        ClientTraffic neverIn = new ClientTraffic(meters, "app", "alice", listenerClients);
        neverIn.closed();
        neverIn.loggedIn();
        assertThat(listenerClients).hasValue(0);
    }

    @Test
    void clientsOfOnePoolShareItsMetersAndOtherPoolsHaveTheirOwn() {
        ClientTraffic first = loggedIn();
        ClientTraffic second = loggedIn();
        ClientTraffic other = new ClientTraffic(meters, "app", "bob", listenerClients);
        other.loggedIn();
        for (ClientTraffic client : List.of(first, second, other)) {
            client.received(frame('Q', 10));
            client.sent(readyForQuery('I'));
        }

        assertThat(meters.snapshots()).extracting(TrafficSnapshot::user, TrafficSnapshot::queries, TrafficSnapshot::bytesReceived)
                .containsExactly(tuple("alice", 2L, 30L), tuple("bob", 1L, 15L));
    }
}
