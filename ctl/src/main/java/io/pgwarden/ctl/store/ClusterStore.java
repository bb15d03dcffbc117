package io.pgwarden.ctl.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.pgwarden.ctl.CtlException;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdFailures;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import io.pgwarden.discovery.patroni.PatroniKeys;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A cluster's keys in etcd, as ctl reads and writes them: linearizable reads of the whole prefix,
 * the {@code config} key written by compare-and-swap on its mod revision, the {@code failover} key
 * (when no member's REST API answers), and removal of the whole prefix. Every call is bounded by the
 * timeout; a failure is a {@link CtlException} naming the etcd endpoints and the cluster, and why etcd
 * refused when it can be told (a wrong password, an untrusted certificate: {@link EtcdFailures}).
 */
public final class ClusterStore implements AutoCloseable {

    /** How long each endpoint may take to show why a call failed. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final Client client;
    private final PatroniKeys keys;
    private final Duration timeout;
    private final EtcdAccess access;
    private final PatroniJson json = new PatroniJson();

    /**
     * @param access how {@code client} was built: the endpoints, and the settings a refusal names
     */
    public ClusterStore(Client client, PatroniKeys keys, Duration timeout, EtcdAccess access) {
        this.client = Objects.requireNonNull(client, "client");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.access = Objects.requireNonNull(access, "access");
    }

    public PatroniKeys keys() {
        return keys;
    }

    /** Reads the whole prefix, linearizably (through the etcd leader, as patronictl does). */
    public ClusterState read() {
        GetResponse response = await(client.getKVClient().get(bytes(keys.prefix()),
                GetOption.builder().isPrefix(true).withSerializable(false).build()), "reading " + keys.prefix());
        Map<String, String> values = new TreeMap<>();
        long configRevision = 0;
        Optional<String> configJson = Optional.empty();
        for (KeyValue kv : response.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            String value = kv.getValue().toString(StandardCharsets.UTF_8);
            values.put(key, value);
            if (key.equals(keys.config())) {
                configRevision = kv.getModRevision();
                configJson = Optional.of(value);
            }
        }
        return new ClusterState(PatroniCluster.decode(keys, values, json), configJson, configRevision, values.size());
    }

    /**
     * Writes {@code config} if its mod revision is still {@code expectedModRevision} (0: if it still
     * does not exist).
     *
     * @return false when someone else changed it in between; nothing was written then
     */
    public boolean replaceConfig(String value, long expectedModRevision) {
        ByteSequence key = bytes(keys.config());
        Cmp unchanged = expectedModRevision == 0
                ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision));
        TxnResponse response = await(client.getKVClient().txn().If(unchanged)
                .Then(Op.put(key, bytes(value), PutOption.DEFAULT)).commit(), "writing " + keys.config());
        return response.isSucceeded();
    }

    /** Writes a switchover or failover request to {@code failover}, for the leader to act on in its loop. */
    public void writeFailover(String value) {
        await(client.getKVClient().put(bytes(keys.failover()), bytes(value)), "writing " + keys.failover());
    }

    /** Deletes the {@code failover} key: a scheduled switchover no member's REST API could cancel. */
    public boolean deleteFailover() {
        return await(client.getKVClient().delete(bytes(keys.failover())), "deleting " + keys.failover()).getDeleted() > 0;
    }

    /** Deletes every key under the prefix; returns how many there were. */
    public long deleteAll() {
        return await(client.getKVClient().delete(bytes(keys.prefix()), DeleteOption.builder().isPrefix(true).build()),
                "deleting " + keys.prefix()).getDeleted();
    }

    @Override
    public void close() {
        client.close();
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            // A TLS handshake that keeps failing looks like silence to the client: the probe names it.
            String why = EtcdFailures.probe(access, PROBE_TIMEOUT).map(p -> ": " + p).orElse("");
            throw CtlException.failed("etcd at " + access.endpoints() + " did not answer within " + timeout.toSeconds()
                    + " s " + what + " (cluster " + keys.scope() + ")" + why, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw CtlException.failed("etcd at " + access.endpoints() + " failed " + what + " (cluster " + keys.scope()
                    + "): " + EtcdFailures.explain(cause, access, PROBE_TIMEOUT), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CtlException.failed("interrupted " + what, e);
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
