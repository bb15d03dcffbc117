package io.pgwarden.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerConnector;
import io.pgwarden.pool.server.ServerCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The server connections of one {@link PoolKey}. Clients on any event loop acquire and release
 * them; the bookkeeping is a few fields under one short lock, while connecting, resetting and
 * closing happen outside it, on the connections' own loops.
 */
public final class ServerPool {

    private static final Logger log = LoggerFactory.getLogger(ServerPool.class);

    private final PoolKey key;
    private final ServerConnector connector;
    private final NodeReachability reachability;
    private volatile PoolSettings settings;
    private volatile ServerCredentials credentials = ServerCredentials.NONE;

    private final Object lock = new Object();
    private final Deque<ServerConnection> idle = new ArrayDeque<>();
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    /** Connections that finished their login and are not closed yet (idle or not). */
    private final Set<ServerConnection> opened = new HashSet<>();
    private int total;
    private int active;
    /** Of {@code total} (and {@code active}): connections still being opened and logged in. */
    private int connecting;
    private boolean closed;
    /** Admin PAUSE: no connection is handed out or opened; clients queue until resumed. */
    private boolean paused;

    /** A pool on its own, reporting its node's reachability by itself (tests, tools). */
    public ServerPool(PoolKey key, PoolSettings settings, ServerConnector connector) {
        this(key, settings, connector, new NodeReachability());
    }

    /** @param reachability shared by every pool of a router, so a down node is reported once, not per pool */
    public ServerPool(PoolKey key, PoolSettings settings, ServerConnector connector, NodeReachability reachability) {
        this.key = key;
        this.settings = settings;
        this.connector = connector;
        this.reachability = reachability;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    /**
     * New sizes and timeouts (a config reload): they apply to the next checkout, and idle
     * connections beyond a smaller maximum are closed now (busy ones when given back).
     */
    public void updateSettings(PoolSettings settings) {
        this.settings = settings;
        List<ServerConnection> surplus = new ArrayList<>();
        synchronized (lock) {
            while (total - surplus.size() > settings.maxSize() && !idle.isEmpty()) {
                surplus.add(idle.pollLast());
            }
        }
        surplus.forEach(ServerConnection::close);
    }

    public ServerCredentials credentials() {
        return credentials;
    }

    /** The latest credentials win: a client that just proved its password knows best. */
    public void updateCredentials(ServerCredentials credentials) {
        this.credentials = credentials;
    }

    /**
     * A connection for a client on {@code loop}: an idle one (preferring one on the same loop),
     * a new one while the pool is below its maximum, or the next one released, waiting at most
     * the pool timeout. The future completes on {@code loop}.
     */
    public Future<ServerConnection> acquire(EventLoop loop) {
        Promise<ServerConnection> promise = loop.newPromise();
        ServerConnection ready = null;
        boolean open = false;
        synchronized (lock) {
            if (closed) {
                promise.setFailure(new PoolClosedException("pool " + key + " is closed"));
                return promise;
            }
            ready = paused ? null : takeIdle(loop);
            if (ready != null) {
                active++;
            } else if (!paused && total < settings.maxSize()) {
                countOpening();
                open = true;
            } else {
                waiters.add(new Waiter(promise, loop, System.nanoTime()));
            }
        }
        if (ready != null) {
            hand(ready, promise);
        } else if (open) {
            open(promise, loop);
        } else {
            long timeoutMillis = settings.poolTimeout().toMillis();
            loop.schedule(() -> {
                synchronized (lock) {
                    waiters.removeIf(w -> w.promise() == promise);
                }
                promise.tryFailure(new PoolTimeoutException("no server connection available for " + key
                        + " within pool_timeout (" + timeoutMillis + " ms)"));
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        return promise;
    }

    /**
     * Takes back a connection. A reusable one is reset (if a reset query is set) and goes to the
     * next waiter or the idle list; anything else — mid-transaction, replies still owed, too
     * old — is closed, never handed on dirty.
     */
    public void release(ServerConnection server) {
        release(server, true);
    }

    /**
     * Takes back a connection, running the reset query only when {@code reset} is true: a
     * transaction-mode client that changed no session state leaves nothing to reset.
     */
    public void release(ServerConnection server, boolean reset) {
        server.unlink();
        synchronized (lock) {
            active--;
        }
        if (!server.isReusable() || expired(server) || isClosed()) {
            server.close();
            return;
        }
        String resetQuery = reset ? settings.resetQuery() : "";
        if (resetQuery.isEmpty()) {
            giveBack(server);
            return;
        }
        server.execute(resetQuery).addListener(f -> {
            if (f.isSuccess() && server.isReusable()) {
                giveBack(server);
            } else {
                // A query on a logged-in connection failed (or left it mid-transaction): not a login problem.
                log.info("closing {}: reset query \"{}\" failed: {}", server, resetQuery,
                        f.cause() == null ? "the connection was not idle after it" : f.cause().getMessage());
                server.close();
            }
        });
    }

    /**
     * Takes back a connection that must never be used again (its node was fenced, or it holds
     * state no reset query undoes): closes it.
     */
    public void discard(ServerConnection server) {
        server.unlink();
        synchronized (lock) {
            active--;
        }
        server.close();
    }

    private void hand(ServerConnection server, Promise<ServerConnection> promise) {
        if (!promise.trySuccess(server)) {
            // The client gave up (timed out or left) meanwhile.
            synchronized (lock) {
                active--;
            }
            giveBack(server);
        }
    }

    private void giveBack(ServerConnection server) {
        Waiter waiter;
        synchronized (lock) {
            if (total > settings.maxSize()) {
                // The maximum shrank (a reload): this one is surplus.
                waiter = null;
            } else {
                waiter = paused ? null : nextWaiter();
                if (waiter == null) {
                    idle.push(server);
                    return;
                }
                active++;
            }
        }
        if (waiter == null) {
            server.close();
            return;
        }
        hand(server, waiter.promise());
    }

    private Waiter nextWaiter() {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (!waiter.promise().isDone()) {
                return waiter;
            }
        }
        return null;
    }

    private ServerConnection takeIdle(EventLoop loop) {
        ServerConnection fallback = null;
        for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
            ServerConnection candidate = it.next();
            if (!candidate.isOpen()) {
                continue;
            }
            if (candidate.eventLoop() == loop) {
                it.remove();
                return candidate;
            }
            if (fallback == null) {
                fallback = candidate;
            }
        }
        if (fallback != null) {
            idle.remove(fallback);
        }
        return fallback;
    }

    private void open(Promise<ServerConnection> promise, EventLoop loop) {
        connector.connect(key, credentials, loop).addListener((Future<ServerConnection> f) -> {
            if (f.isSuccess()) {
                ServerConnection server = f.getNow();
                synchronized (lock) {
                    connecting--;
                    opened.add(server);
                }
                reachability.reached(key.node());
                log.debug("opened {}", server);
                server.channel().closeFuture().addListener(c -> onClosed(server));
                hand(server, promise);
            } else {
                synchronized (lock) {
                    countOpeningFailed();
                }
                reachability.failed(key.node(), f.cause());
                promise.tryFailure(f.cause());
            }
        });
    }

    /**
     * Under the lock: one more connection is being opened for a client, so it counts as open
     * ({@code total}), in a client's hands ({@code active}) and not logged in yet ({@code connecting}).
     */
    private void countOpening() {
        total++;
        active++;
        connecting++;
    }

    /** Under the lock: undoes {@link #countOpening()} for a connection that never opened. */
    private void countOpeningFailed() {
        total--;
        active--;
        connecting--;
    }

    private void onClosed(ServerConnection server) {
        Waiter waiter = null;
        synchronized (lock) {
            total--;
            idle.remove(server);
            opened.remove(server);
            if (!closed && !paused && total < settings.maxSize()) {
                waiter = nextWaiter();
                if (waiter != null) {
                    countOpening();
                }
            }
        }
        log.debug("closed {}", server);
        if (waiter != null) {
            open(waiter.promise(), waiter.loop());
        }
    }

    private boolean expired(ServerConnection server) {
        return System.nanoTime() - server.createdAtNanos() > settings.maxLifetime().toNanos();
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /**
     * Housekeeping, called periodically: closes idle connections past the idle timeout (down to
     * the minimum size) or past their lifetime, and opens connections up to the minimum.
     */
    public void maintain(EventLoop loop) {
        List<ServerConnection> toClose = new ArrayList<>();
        int toOpen;
        long now = System.nanoTime();
        PoolSettings current = settings;
        synchronized (lock) {
            if (closed) {
                return;
            }
            for (Iterator<ServerConnection> it = idle.descendingIterator(); it.hasNext(); ) {
                ServerConnection server = it.next();
                boolean tooOld = now - server.createdAtNanos() > current.maxLifetime().toNanos();
                boolean unused = now - server.idleSinceNanos() > current.idleTimeout().toNanos()
                        && total - toClose.size() > current.minSize();
                if (tooOld || unused || !server.isOpen()) {
                    it.remove();
                    toClose.add(server);
                }
            }
            toOpen = credentials == ServerCredentials.NONE ? 0 : Math.max(0, current.minSize() - total);
        }
        toClose.forEach(ServerConnection::close);
        for (int i = 0; i < toOpen; i++) {
            synchronized (lock) {
                countOpening();
            }
            Promise<ServerConnection> warm = loop.newPromise();
            warm.addListener((Future<ServerConnection> f) -> {
                if (f.isSuccess()) {
                    release(f.getNow());
                }
            });
            open(warm, loop);
        }
    }

    /** Closes idle connections at once; busy ones close when released. */
    public void close() {
        List<ServerConnection> toClose;
        List<Waiter> pending;
        synchronized (lock) {
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
            pending = new ArrayList<>(waiters);
            waiters.clear();
        }
        toClose.forEach(ServerConnection::close);
        pending.forEach(w -> w.promise().tryFailure(new PoolClosedException("pool " + key + " closed")));
    }

    /**
     * Admin PAUSE: from now on no connection is handed out or opened; clients queue (up to the
     * pool timeout) until {@link #resume()}. Connections in use stay with their clients.
     */
    public void pause() {
        synchronized (lock) {
            paused = true;
        }
    }

    /** Paused, and no connection is in a client's hands or being opened for one. */
    public boolean isDrained() {
        synchronized (lock) {
            return paused && active == 0;
        }
    }

    /** Ends a pause: the queued clients get connections, idle or new, up to the maximum. */
    public void resume() {
        synchronized (lock) {
            paused = false;
        }
        while (true) {
            Waiter waiter;
            ServerConnection ready;
            synchronized (lock) {
                if (paused || closed) {
                    return;
                }
                waiter = nextWaiter();
                if (waiter == null) {
                    return;
                }
                ready = takeIdle(waiter.loop());
                if (ready == null && total >= settings.maxSize()) {
                    waiters.addFirst(waiter);
                    return;
                }
                if (ready == null) {
                    countOpening();
                } else {
                    active++;
                }
            }
            if (ready != null) {
                hand(ready, waiter.promise());
            } else {
                open(waiter.promise(), waiter.loop());
            }
        }
    }

    /** A client queued for a connection, the loop it lives on, and since when (nanoTime). */
    private record Waiter(Promise<ServerConnection> promise, EventLoop loop, long sinceNanos) {
    }

    /** The pool in detail, for the admin console. */
    public PoolReport report() {
        long now = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        synchronized (lock) {
            long longestWait = waiters.stream().filter(w -> !w.promise().isDone())
                    .mapToLong(w -> now - w.sinceNanos()).max().orElse(0);
            List<ServerSnapshot> servers = opened.stream()
                    .map(s -> new ServerSnapshot(key, idle.contains(s),
                            Instant.ofEpochMilli(wallNow - (now - s.createdAtNanos()) / 1_000_000),
                            s.backendKey().processId()))
                    .toList();
            return new PoolReport(key, settings, total, active, total - opened.size(), idle.size(),
                    (int) waiters.stream().filter(w -> !w.promise().isDone()).count(), longestWait, paused, servers);
        }
    }

    public PoolStats stats() {
        synchronized (lock) {
            return new PoolStats(key, total, active, idle.size(), waiters.size(), connecting);
        }
    }
}
