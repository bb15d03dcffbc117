package io.pgwarden.discovery.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.PutOption;
import io.pgwarden.discovery.Member;
import io.pgwarden.discovery.Topology;
import io.pgwarden.discovery.etcd.EtcdTopologySourceIT.Recorder;
import io.pgwarden.discovery.patroni.PatroniKeys;
import io.pgwarden.local.EtcdServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static io.pgwarden.discovery.etcd.EtcdTopologySourceIT.member;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EtcdTopologySource} when etcd is wiped or replaced by an empty one at the same address:
 * revisions start again from 1, far below what the source has applied, and Patroni writes its keys
 * again. The source must follow the new store, not wait for it to catch up with the old revision.
 */
@Timeout(90)
class EtcdReplacedIT {

    private static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    private static final Duration ISOLATION_TIMEOUT = Duration.ofMillis(1000);
    private static final Duration FOLLOW_WITHIN = Duration.ofSeconds(15);
    /** Writes that push the old store's revision well above what the new one reaches in the test. */
    private static final int FILLER_WRITES = 300;

    private final PatroniKeys keys = PatroniKeys.of("replaced");
    private EtcdServer etcd;
    private Client client;
    private EtcdTopologySource source;

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void followsAnEmptyEtcdWithANewClusterIdAtTheSameAddress() throws Exception {
        followsTheNewStore(EtcdServer::replaceWithEmpty);
    }

    @Test
    void followsAWipedEtcdThatKeepsItsClusterId() throws Exception {
        followsTheNewStore(EtcdServer::wipeAndRestart);
    }

    private void followsTheNewStore(UnaryOperator<EtcdServer> replace) throws Exception {
        etcd = EtcdServer.start();
        client = Client.builder().endpoints(etcd.clientUrl()).build();
        long leaseA = lease();
        put(keys.member("a"), member(15431, "master", 100, 1), leaseA);
        put(keys.member("b"), member(15432, "replica", 100, 1), lease());
        put(keys.member("gone"), member(15439, "replica", 100, 1), lease());
        put(keys.leader(), "a", leaseA);
        source = new EtcdTopologySource(new EtcdSourceSettings(List.of(URI.create(etcd.clientUrl())), "/service/",
                keys.scope(), CHECK_INTERVAL, ISOLATION_TIMEOUT));
        source.start();
        Recorder recorder = new Recorder();
        source.addListener(recorder);
        assertThat(source.current().leader()).contains("a");

        List<CompletableFuture<PutResponse>> fillers = new ArrayList<>();
        for (int i = 0; i < FILLER_WRITES; i++) {
            fillers.add(client.getKVClient().put(bytes(keys.prefix() + "filler"), bytes("x" + i)));
        }
        CompletableFuture.allOf(fillers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        long oldRevision = put(keys.member("b"), member(15432, "replica", 90, 1), 0);
        recorder.await(s -> s.member("b").map(m -> m.walPosition() == 90).orElse(false)); // the source has applied it

        client.close();
        etcd = replace.apply(etcd);
        client = Client.builder().endpoints(etcd.clientUrl()).build();
        // After a failover during the outage: b leads now, "gone" does not come back.
        long leaseB = lease();
        put(keys.member("a"), member(15431, "replica", 200, 2), lease());
        put(keys.member("b"), member(15432, "master", 200, 2), leaseB);
        long newRevision = put(keys.leader(), "b", leaseB);
        assertThat(newRevision).as("the new store's revision").isLessThan(oldRevision);

        Topology followed = recorder.await(s -> s.dcsReachable() && s.leader().equals(Optional.of("b")), FOLLOW_WITHIN);
        assertThat(followed.primary()).map(Member::address).contains("127.0.0.1:15432");
        assertThat(followed.members()).extracting(Member::name).containsExactly("a", "b");
        assertThat(followed.highestTimeline()).isEqualTo(2);

        // Later changes in the new store are followed too.
        long leaseC = lease();
        put(keys.member("c"), member(15433, "master", 300, 3), leaseC);
        put(keys.leader(), "c", leaseC);
        Topology next = recorder.await(s -> s.leader().equals(Optional.of("c")), Duration.ofSeconds(5));
        assertThat(next.primary()).map(Member::address).contains("127.0.0.1:15433");
    }

    private long lease() throws Exception {
        return client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
    }

    /** Puts a key, on a lease unless {@code lease} is 0; returns the revision. */
    private long put(String key, String value, long lease) throws Exception {
        PutOption option = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
        return client.getKVClient().put(bytes(key), bytes(value), option).get(10, TimeUnit.SECONDS)
                .getHeader().getRevision();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
