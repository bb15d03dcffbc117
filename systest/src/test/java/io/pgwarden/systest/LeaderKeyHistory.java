package io.pgwarden.systest;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The leader key's history as etcd itself tells it: a jetcd watch of its own on the key (not
 * pgwarden's topology code), every put and delete with its revision and the time it arrived.
 */
final class LeaderKeyHistory implements AutoCloseable {

    /** @param holder empty for a delete (expiry or release) */
    record Change(long revision, long atNanos, Optional<String> holder) {
    }

    private final Client client;
    private final Watch.Watcher watcher;
    private final List<Change> changes = new ArrayList<>();

    LeaderKeyHistory(String etcdUrl, String leaderKey) throws Exception {
        this(List.of(etcdUrl), leaderKey);
    }

    /** @param etcdUrls every member's client URL: the watch moves to another member when one goes */
    LeaderKeyHistory(List<String> etcdUrls, String leaderKey) throws Exception {
        client = Client.builder().endpoints(etcdUrls.toArray(String[]::new)).build();
        ByteSequence key = ByteSequence.from(leaderKey, StandardCharsets.UTF_8);
        GetResponse now = client.getKVClient().get(key).get(10, TimeUnit.SECONDS);
        synchronized (changes) {
            changes.add(new Change(now.getHeader().getRevision(), System.nanoTime(), now.getKvs().isEmpty()
                    ? Optional.empty() : Optional.of(now.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8))));
        }
        watcher = client.getWatchClient().watch(key,
                WatchOption.builder().withRevision(now.getHeader().getRevision() + 1).build(),
                response -> {
                    long at = System.nanoTime();
                    synchronized (changes) {
                        for (WatchEvent event : response.getEvents()) {
                            Optional<String> holder = event.getEventType() == WatchEvent.EventType.PUT
                                    ? Optional.of(event.getKeyValue().getValue().toString(StandardCharsets.UTF_8))
                                    : Optional.empty();
                            changes.add(new Change(event.getKeyValue().getModRevision(), at, holder));
                        }
                    }
                });
    }

    List<Change> changes() {
        synchronized (changes) {
            return List.copyOf(changes);
        }
    }

    /** The distinct holders in order, e.g. [node1, node2], vacancies left out. */
    List<String> holders() {
        List<String> holders = new ArrayList<>();
        for (Change change : changes()) {
            change.holder().ifPresent(h -> {
                if (holders.isEmpty() || !holders.get(holders.size() - 1).equals(h)) {
                    holders.add(h);
                }
            });
        }
        return holders;
    }

    /** When {@code node} stopped holding the key (the first change after it held it), if it did. */
    Optional<Long> lostAt(String node) {
        boolean held = false;
        for (Change change : changes()) {
            boolean holds = change.holder().map(node::equals).orElse(false);
            if (held && !holds) {
                return Optional.of(change.atNanos());
            }
            held = holds;
        }
        return Optional.empty();
    }

    String describe() {
        StringBuilder text = new StringBuilder();
        long start = changes().get(0).atNanos();
        for (Change change : changes()) {
            text.append(String.format("  rev %d  +%d ms  %s%n", change.revision(), (change.atNanos() - start) / 1_000_000,
                    change.holder().orElse("(none)")));
        }
        return text.toString();
    }

    @Override
    public void close() {
        watcher.close();
        client.close();
    }
}
