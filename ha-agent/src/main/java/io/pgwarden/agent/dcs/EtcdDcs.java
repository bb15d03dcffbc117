package io.pgwarden.agent.dcs;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdClients;
import io.pgwarden.discovery.etcd.EtcdProblemLog;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of etcd, in Patroni's layout: one lease per agent process carrying its member key
 * (and the leader key while it leads). Every call is bounded by the request timeout and fails with
 * {@link DcsException}; nothing here retries — the loop decides what a failure means.
 *
 * <p>The leader key is only ever <em>created</em> (create-if-absent in a transaction), never put over
 * an existing or expired one: that is what keeps a stale primary from taking it back.
 */
public final class EtcdDcs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdDcs.class);
    private static final Duration WARM_UP_WATCH = Duration.ofMillis(300);

    private final Client client;
    private final PatroniKeys keys;
    private final PatroniJson json = new PatroniJson();
    private final EtcdProblemLog problems;
    private final String name;
    private volatile Duration timeout;
    private volatile long lease; // 0 = none granted yet, or lost
    private Watch.Watcher watcher;

    /** Plain http endpoints, no user. */
    public EtcdDcs(List<String> endpoints, PatroniKeys keys, String name, Duration timeout) {
        this(EtcdAccess.plain(endpoints.stream().map(URI::create).toList()), keys, name, timeout);
    }

    /**
     * A client as {@code access} says (TLS files, user); a refusal by etcd (wrong password, untrusted
     * certificate) is logged once, naming the setting, and carried in every {@link DcsException}.
     *
     * @throws io.pgwarden.discovery.etcd.EtcdConfigException if a TLS file cannot be used
     */
    public EtcdDcs(EtcdAccess access, PatroniKeys keys, String name, Duration timeout) {
        this.client = EtcdClients.create(access, timeout);
        this.problems = new EtcdProblemLog(access);
        this.keys = keys;
        this.name = name;
        this.timeout = timeout;
    }

    public PatroniKeys keys() {
        return keys;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** A linearizable read of everything under the cluster's prefix. */
    public ClusterRead read() {
        long sent = System.nanoTime();
        GetResponse response = await(client.getKVClient().get(bytes(keys.prefix()),
                GetOption.builder().isPrefix(true).withSerializable(false).build()), "read " + keys.prefix());
        Map<String, String> kvs = new HashMap<>();
        long leaderLease = 0;
        for (KeyValue kv : response.getKvs()) {
            String key = text(kv.getKey());
            kvs.put(key, text(kv.getValue()));
            if (key.equals(keys.leader())) {
                leaderLease = kv.getLease();
            }
        }
        return new ClusterRead(PatroniCluster.decode(keys, kvs, json), response.getHeader().getRevision(),
                response.getHeader().getClusterId(), leaderLease, sent);
    }

    /** Every key under {@code prefix} (full key to value), read linearizably. */
    public Map<String, String> list(String prefix) {
        GetResponse response = await(client.getKVClient().get(bytes(prefix),
                GetOption.builder().isPrefix(true).withSerializable(false).build()), "read " + prefix);
        Map<String, String> kvs = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
            kvs.put(text(kv.getKey()), text(kv.getValue()));
        }
        return kvs;
    }

    /**
     * Reads everything under the cluster's prefix, then follows it with a watch of its own until
     * {@code done} holds for what it sees, or {@code timeout} passes: a switchover's waits, woken by
     * each change instead of polling etcd. Returns the keys as last seen (full key to value).
     */
    public Map<String, String> awaitKeys(java.util.function.Predicate<Map<String, String>> done, Duration timeout) {
        return awaitKeys(() -> { }, done, timeout);
    }

    /**
     * As {@link #awaitKeys(java.util.function.Predicate, Duration)}, running {@code first} once the watch
     * is asked for: what it writes, and the answers to it, come through that watch (it starts at the
     * revision read before), so no read or watch set-up lies between a write and the wait for its answers.
     */
    public Map<String, String> awaitKeys(Runnable first, java.util.function.Predicate<Map<String, String>> done,
                                         Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        GetResponse before = await(client.getKVClient().get(bytes(keys.prefix()),
                GetOption.builder().isPrefix(true).withSerializable(false).build()), "read " + keys.prefix());
        Map<String, String> seen = new HashMap<>();
        before.getKvs().forEach(kv -> seen.put(text(kv.getKey()), text(kv.getValue())));
        Object changed = new Object();
        boolean[] failed = {false};
        Watch.Watcher own = client.getWatchClient().watch(bytes(keys.prefix()),
                WatchOption.builder().isPrefix(true).withRevision(before.getHeader().getRevision() + 1).build(),
                response -> {
                    synchronized (changed) {
                        for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
                            String key = text(e.getKeyValue().getKey());
                            if (e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE) {
                                seen.remove(key);
                            } else {
                                seen.put(key, text(e.getKeyValue().getValue()));
                            }
                        }
                        changed.notifyAll();
                    }
                },
                error -> {
                    synchronized (changed) {
                        failed[0] = true;
                        changed.notifyAll();
                    }
                });
        try {
            first.run();
            synchronized (changed) {
                while (!done.test(Map.copyOf(seen))) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || failed[0]) {
                        break;
                    }
                    changed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                return new HashMap<>(seen);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (changed) {
                return new HashMap<>(seen);
            }
        } finally {
            own.close();
        }
    }

    /** One key's value, read linearizably; empty when it does not exist. */
    public java.util.Optional<String> get(String key) {
        GetResponse response = await(client.getKVClient().get(bytes(key),
                GetOption.builder().withSerializable(false).build()), "read " + key);
        return response.getKvs().stream().findFirst().map(kv -> text(kv.getValue()));
    }

    /** This agent's lease, granted with {@code ttl} when there is none (or it was lost). */
    public long ensureLease(Duration ttl) {
        long current = lease;
        if (current != 0) {
            return current;
        }
        long granted = await(client.getLeaseClient().grant(ttl.toSeconds()), "grant a lease").getID();
        lease = granted;
        LOG.info("Granted lease {} ({} s)", Long.toHexString(granted), ttl.toSeconds());
        return granted;
    }

    /**
     * Renews this agent's lease once. False when etcd no longer knows it (expired, or a new store):
     * the keys on it are gone, and the lease is forgotten so the next {@link #ensureLease} grants a new one.
     */
    public boolean keepAlive() {
        long current = lease;
        if (current == 0) {
            return false;
        }
        LeaseKeepAliveResponse response;
        try {
            response = await(client.getLeaseClient().keepAliveOnce(current), "renew the lease");
        } catch (DcsException e) {
            if (notFound(e)) {
                forgetLease(current);
                return false;
            }
            throw e;
        }
        if (response.getTTL() <= 0) {
            forgetLease(current);
            return false;
        }
        return true;
    }

    /** Seconds left on a lease (someone else's: the leader's), or -1 when it no longer exists. */
    public long remainingTtl(long leaseId) {
        long ttl = await(client.getLeaseClient().timeToLive(leaseId, LeaseOption.DEFAULT), "read a lease").getTTL();
        return ttl <= 0 ? -1 : ttl;
    }

    public long lease() {
        return lease;
    }

    /** Creates the leader key on this agent's lease if nobody holds it. True if this agent now holds it. */
    public boolean acquireLeader(long leaseId) {
        return acquireLeader(leaseId, Map.of());
    }

    /**
     * As {@link #acquireLeader(long)}, writing {@code along} (key to value) in the same transaction: only
     * if the key is won, and at once (a switchover's candidate saves round trips on its way to promote).
     */
    public boolean acquireLeader(long leaseId, Map<String, String> along) {
        ByteSequence key = bytes(keys.leader());
        List<Op> ops = new java.util.ArrayList<>();
        ops.add(Op.put(key, bytes(name), PutOption.builder().withLeaseId(leaseId).build()));
        along.forEach((k, v) -> ops.add(Op.put(bytes(k), bytes(v), PutOption.DEFAULT)));
        TxnResponse response = await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(ops.toArray(Op[]::new))
                .commit(), "create the leader key");
        return response.isSucceeded();
    }

    /**
     * Makes a switchover's kinds of etcd call once, reading only: a conditional transaction and a watch.
     * A standby that becomes a switchover's candidate has made neither, and their first use would pay,
     * inside the write pause, for loading and initialising the client's classes.
     */
    public void warmUp() {
        try {
            await(client.getKVClient().txn()
                    .If(new Cmp(bytes(keys.leader()), Cmp.Op.EQUAL, CmpTarget.createRevision(-1)))
                    .commit(), "warm up");
            awaitKeys(() -> { }, kvs -> false, WARM_UP_WATCH);
        } catch (DcsException e) {
            LOG.debug("Warming up the etcd client failed: {}", e.getMessage());
        }
    }

    /** Deletes the leader key if this agent holds it. */
    public boolean releaseLeader() {
        return releaseLeader(Map.of(), Map.of(), 0);
    }

    /**
     * As {@link #releaseLeader()}, writing {@code puts} and {@code leased} (on {@code leaseId}) in the same
     * transaction, only while still holding the key.
     */
    public boolean releaseLeader(Map<String, String> puts, Map<String, String> leased, long leaseId) {
        ByteSequence key = bytes(keys.leader());
        List<Op> ops = new java.util.ArrayList<>();
        puts.forEach((k, v) -> ops.add(Op.put(bytes(k), bytes(v), PutOption.DEFAULT)));
        leased.forEach((k, v) -> ops.add(Op.put(bytes(k), bytes(v), PutOption.builder().withLeaseId(leaseId).build())));
        ops.add(Op.delete(key, DeleteOption.DEFAULT));
        TxnResponse response = await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(bytes(name))))
                .Then(ops.toArray(Op[]::new))
                .commit(), "delete the leader key");
        return response.isSucceeded();
    }

    /** Writes a key on this agent's lease (its member key). */
    public void putOnLease(String key, String value, long leaseId) {
        await(client.getKVClient().put(bytes(key), bytes(value), PutOption.builder().withLeaseId(leaseId).build()),
                "write " + key);
    }

    public void put(String key, String value) {
        await(client.getKVClient().put(bytes(key), bytes(value)), "write " + key);
    }

    /** Creates a key that does not exist yet; false if it does. */
    public boolean create(String key, String value) {
        ByteSequence k = bytes(key);
        return await(client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, bytes(value), PutOption.DEFAULT))
                .commit(), "create " + key).isSucceeded();
    }

    /** Writes a key only while this agent holds the leader key (status, history, sync, config). */
    public boolean putIfLeader(String key, String value) {
        ByteSequence leader = bytes(keys.leader());
        return await(client.getKVClient().txn()
                .If(new Cmp(leader, Cmp.Op.EQUAL, CmpTarget.value(bytes(name))))
                .Then(Op.put(bytes(key), bytes(value), PutOption.DEFAULT))
                .commit(), "write " + key).isSucceeded();
    }

    /** A key's value and modification revision, for a compare-and-swap ({@link #putIfModRevision}). */
    public record VersionedValue(String value, long modRevision) {
    }

    /** A linearizable read of one key. */
    public java.util.Optional<VersionedValue> getVersioned(String key) {
        GetResponse response = await(client.getKVClient().get(bytes(key)), "read " + key);
        return response.getKvs().stream().findFirst()
                .map(kv -> new VersionedValue(text(kv.getValue()), kv.getModRevision()));
    }

    /** Writes a key only if nobody wrote it since {@code modRevision}; false if someone did. */
    public boolean putIfModRevision(String key, String value, long modRevision) {
        ByteSequence k = bytes(key);
        return await(client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                .Then(Op.put(k, bytes(value), PutOption.DEFAULT))
                .commit(), "write " + key).isSucceeded();
    }

    public void delete(String key) {
        await(client.getKVClient().delete(bytes(key)), "delete " + key);
    }

    /** Gives the lease back: the member key (and the leader key, if on it) go at once. */
    public void revokeLease() {
        long current = lease;
        if (current != 0) {
            lease = 0;
            try {
                await(client.getLeaseClient().revoke(current), "revoke the lease");
            } catch (DcsException e) {
                LOG.warn("Could not revoke lease {}: {}", Long.toHexString(current), e.getMessage());
            }
        }
    }

    /**
     * Calls {@code onChange} with the changed keys (a deleted one prefixed with {@code -}) on every change under the prefix, from {@code revision + 1}. A watch that
     * fails (etcd restarted, replaced, compacted) is dropped; the caller re-watches after its next read.
     */
    public synchronized void watch(long revision, java.util.function.Consumer<List<String>> onChange, Runnable onFailure) {
        unwatch();
        watcher = client.getWatchClient().watch(bytes(keys.prefix()),
                WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
                response -> onChange.accept(response.getEvents().stream()
                        .map(e -> (e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE ? "-" : "")
                                + text(e.getKeyValue().getKey()))
                        .toList()),
                error -> onFailure.run(),
                onFailure);
    }

    public synchronized void unwatch() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    @Override
    public void close() {
        unwatch();
        client.close();
        problems.close();
    }

    private void forgetLease(long current) {
        if (lease == current) {
            lease = 0;
            LOG.warn("Lease {} is gone (expired, or etcd lost it); its keys are gone with it", Long.toHexString(current));
        }
    }

    private static boolean notFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("lease not found") || message.contains("NOT_FOUND")) {
                return true;
            }
        }
        return false;
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            T result = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            problems.succeeded();
            return result;
        } catch (TimeoutException e) {
            future.cancel(true);
            String why = problems.failed(e).map(p -> " (" + p + ")").orElse("");
            throw new DcsException("etcd: " + what + ": no answer within " + timeout.toMillis() + " ms" + why, e);
        } catch (ExecutionException e) {
            String why = problems.failed(e.getCause()).orElse(String.valueOf(e.getCause()));
            throw new DcsException("etcd: " + what + ": " + why, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("etcd: " + what + ": interrupted", e);
        }
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
