package io.pgwarden.router.switchover;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.pgwarden.discovery.drain.DrainKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This router's presence in the cluster: {@code routers/<id>} on a lease of its own, renewed every
 * third of its ttl and granted again when etcd lost it (expired, or a new store). A switchover waits
 * for the acknowledgement of every router registered; a router that dies costs the switchover at most
 * its lease, because the key goes with it.
 */
public final class RouterRegistration implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouterRegistration.class);

    private final Client client;
    private final DrainKeys keys;
    private final String id;
    private final String description;
    private final Duration ttl;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private volatile long lease; // 0 until granted, or after it was lost

    /** @param description what {@code routers/<id>} holds: a JSON object naming the router's addresses */
    public RouterRegistration(Client client, DrainKeys keys, String id, String description, Duration ttl) {
        this.client = client;
        this.keys = keys;
        this.id = id;
        this.description = description;
        this.ttl = ttl;
        this.timeout = ttl.dividedBy(3);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-registration");
            t.setDaemon(true);
            return t;
        });
    }

    public String id() {
        return id;
    }

    /** Registers now (in the background when etcd does not answer yet) and keeps the lease alive. */
    public void start() {
        long period = Math.max(200, ttl.toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::renew, 0, period, TimeUnit.MILLISECONDS);
    }

    /** Answers a drain: this router holds no transaction on the leaving primary any more. */
    public void acknowledge(String drainId) {
        scheduler.execute(() -> {
            try {
                long current = lease != 0 ? lease : register();
                client.getKVClient().put(bytes(keys.drained(id)), bytes(drainId),
                        PutOption.builder().withLeaseId(current).build()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("Could not acknowledge drain {} in etcd: {} (the switchover waits for its timeout)", drainId,
                        e.toString());
            }
        });
    }

    private void renew() {
        try {
            long current = lease;
            if (current == 0) {
                register();
                return;
            }
            long left = client.getLeaseClient().keepAliveOnce(current).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getTTL();
            if (left <= 0) {
                lease = 0;
                register();
            }
        } catch (Exception e) {
            if (String.valueOf(e.getMessage()).contains("NOT_FOUND") || String.valueOf(e.getCause()).contains("not found")) {
                log.warn("Router registration lease is gone; registering again");
                lease = 0;
            } else {
                log.debug("Renewing the router registration failed: {}", e.toString());
            }
        }
    }

    private long register() throws Exception {
        long granted = client.getLeaseClient().grant(Math.max(2, ttl.toSeconds())).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getID();
        client.getKVClient().put(bytes(keys.router(id)), bytes(description),
                PutOption.builder().withLeaseId(granted).build()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        lease = granted;
        log.info("Registered as router {} under {} (lease {} s)", id, keys.routersPrefix(), ttl.toSeconds());
        return granted;
    }

    /** Deregisters at once (revokes the lease), so a switchover does not wait for a router that left. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        long current = lease;
        if (current != 0) {
            try {
                client.getLeaseClient().revoke(current).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.debug("Revoking the router registration: {}", e.toString());
            }
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
