package io.pgwarden.bench.failover;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bench's own view of who holds the leader key: a plain jetcd watch on the key (none of pgwarden's
 * topology code, which is under test), recording every put and delete into a {@link LeaderTimeline}
 * with the time it arrived. While etcd does not answer nothing arrives: nobody can change the key then
 * either. If the watch fails (say, its revision was compacted), the key is read again and watched anew.
 */
final class LeaderWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderWatch.class);
    private static final long GET_TIMEOUT_SECONDS = 10;

    private final Client client;
    private final ByteSequence key;
    private final LeaderTimeline timeline;
    private Watch.Watcher watcher;
    private boolean closed;

    private LeaderWatch(Client client, ByteSequence key, LeaderTimeline timeline) {
        this.client = client;
        this.key = key;
        this.timeline = timeline;
    }

    /**
     * Reads the key, records its holder, and watches it from the next revision on.
     *
     * @param leaderKey the full key, e.g. {@code /service/demo/leader}
     * @throws IllegalStateException if etcd does not answer the first read within 10 s
     */
    static LeaderWatch start(String etcdUrl, String leaderKey, LeaderTimeline timeline) {
        Client client = Client.builder().endpoints(etcdUrl).build();
        LeaderWatch watch = new LeaderWatch(client, ByteSequence.from(leaderKey, StandardCharsets.UTF_8), timeline);
        try {
            watch.subscribe();
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
    }

    private synchronized void subscribe() {
        if (closed) {
            return;
        }
        GetResponse now;
        try {
            now = client.getKVClient().get(key).get(GET_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + key, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read the leader key " + key + " from etcd", e);
        }
        timeline.record(System.nanoTime(), now.getKvs().isEmpty() ? Optional.empty()
                : Optional.of(now.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)));
        WatchOption from = WatchOption.builder().withRevision(now.getHeader().getRevision() + 1).build();
        watcher = client.getWatchClient().watch(key, from, Watch.listener(this::arrived, this::failed));
    }

    private void arrived(WatchResponse response) {
        long at = System.nanoTime();
        for (WatchEvent event : response.getEvents()) {
            timeline.record(at, event.getEventType() == WatchEvent.EventType.PUT
                    ? Optional.of(event.getKeyValue().getValue().toString(StandardCharsets.UTF_8))
                    : Optional.empty());
        }
    }

    private void failed(Throwable error) {
        synchronized (this) {
            if (closed) {
                return;
            }
            watcher.close();
        }
        log.warn("The bench's watch of {} failed ({}); reading and watching it again", key, error.toString());
        // Not on the watch's own callback thread: subscribe() blocks on a read.
        Thread resubscribe = new Thread(() -> {
            try {
                subscribe();
            } catch (RuntimeException e) {
                log.warn("Could not watch {} again: the leader timeline ends here", key, e);
            }
        }, "leader-watch-resubscribe");
        resubscribe.setDaemon(true);
        resubscribe.start();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (watcher != null) {
            watcher.close();
        }
        client.close();
    }

    @Override
    public String toString() {
        return "LeaderWatch[" + key + "]";
    }
}
