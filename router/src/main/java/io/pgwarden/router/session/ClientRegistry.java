package io.pgwarden.router.session;

import com.github.benmanes.caffeine.cache.Interner;
import io.pgwarden.pool.protocol.backend.BackendKeyData;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every logged-in client: the counts behind the connection limits, and the router-issued cancel
 * keys (a client never learns a server's real key, which changes as pools hand servers around).
 */
public final class ClientRegistry {

    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger clients = new AtomicInteger();
    private final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    private final Map<Long, ClientSession> byCancelKey = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong clientIds = new java.util.concurrent.atomic.AtomicLong();
    /** Clients with equal settings share one map, so a pooled connection can tell by identity that it matches. */
    private final Interner<Map<String, String>> settings = Interner.newWeakInterner();

    /** The one shared instance of these (immutable) client settings. */
    Map<String, String> canonicalSettings(Map<String, String> immutableSettings) {
        return settings.intern(immutableSettings);
    }

    /** A number no other client of this router has had. */
    long nextClientId() {
        return clientIds.incrementAndGet();
    }

    /** Counts the client in, or returns why it may not enter (and counts nothing). */
    Optional<String> admit(String user, int maxClients, int maxPerUser) {
        if (clients.incrementAndGet() > maxClients) {
            clients.decrementAndGet();
            // PostgreSQL's words for a full server (max_client_conn here), which clients show as they are.
            return Optional.of("sorry, too many clients already");
        }
        AtomicInteger count = perUser.computeIfAbsent(user, u -> new AtomicInteger());
        if (maxPerUser > 0 && count.incrementAndGet() > maxPerUser) {
            count.decrementAndGet();
            clients.decrementAndGet();
            return Optional.of("too many connections for role \"" + user + "\" (max_user_connections " + maxPerUser + ")");
        } else if (maxPerUser <= 0) {
            count.incrementAndGet();
        }
        return Optional.empty();
    }

    void leave(String user) {
        clients.decrementAndGet();
        AtomicInteger count = perUser.get(user);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    /** A fresh key with a positive pid, as clients such as pg_basebackup assume. */
    BackendKeyData register(ClientSession session) {
        while (true) {
            BackendKeyData key = new BackendKeyData(random.nextInt(Integer.MAX_VALUE - 1) + 1, random.nextInt());
            if (byCancelKey.putIfAbsent(pack(key), session) == null) {
                return key;
            }
        }
    }

    void unregister(BackendKeyData key) {
        byCancelKey.remove(pack(key));
    }

    Optional<ClientSession> find(int processId, int secretKey) {
        return Optional.ofNullable(byCancelKey.get(pack(new BackendKeyData(processId, secretKey))));
    }

    /** Visits every logged-in client. */
    public void forEachSession(java.util.function.Consumer<ClientSession> action) {
        byCancelKey.values().forEach(action);
    }

    public int clientCount() {
        return clients.get();
    }

    private static long pack(BackendKeyData key) {
        return ((long) key.processId() << 32) | (key.secretKey() & 0xFFFFFFFFL);
    }
}
