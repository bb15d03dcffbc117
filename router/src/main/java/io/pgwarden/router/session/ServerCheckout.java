package io.pgwarden.router.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.discovery.Member;
import io.pgwarden.pool.PoolClosedException;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.pool.PoolTimeoutException;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerCredentials;
import io.pgwarden.pool.server.ServerLoginException;
import io.pgwarden.pool.server.ServerQueryException;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.NoServerAvailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Gets one client a server connection it may use now: asks the {@link io.pgwarden.router.routing.Router}
 * for candidates by the topology as it is, takes a connection from the first candidate's pool (the
 * next one if a replica cannot be reached), holds work for the primary port while there is no
 * writable primary (no key holder, a switchover draining it, the holder unreachable or still in
 * recovery) up to {@code connect_wait_timeout}, and brings the connection to the client's settings
 * before handing it over. One checkout at a time per client; confined to the client's event loop.
 */
final class ServerCheckout {

    /** Where a checkout ends: with a connection (now the caller's) or with why there is none. */
    interface Outcome {

        void ready(ServerPool pool, ServerConnection server);

        void failed(String sqlState, String message);
    }

    private static final Logger log = LoggerFactory.getLogger(ServerCheckout.class);

    private final SessionContext context;
    private final ClientIdentity client;
    private final ServerCredentials credentials;
    private final ClientSettings settings;
    private final ClientTraffic traffic;
    private final EventLoop loop;
    /** Whether a connection this client leaves behind mid-checkout needs the reset query (session mode). */
    private final boolean resetOnAbandon;

    private Outcome outcome;
    /** While holding for a writable primary: when to give up (nanoTime), else 0. */
    private long holdUntilNanos;
    private boolean closed;
    /** Whether this checkout is a transaction-mode login's. */
    private boolean login;
    /** While held for a writable primary: the wait in {@link PrimaryHold}. */
    private Future<Void> held;

    ServerCheckout(SessionContext context, ClientIdentity client, ServerCredentials credentials, ClientSettings settings,
                   ClientTraffic traffic, EventLoop loop) {
        this.context = context;
        this.client = client;
        this.credentials = credentials;
        this.settings = settings;
        this.traffic = traffic;
        this.loop = loop;
        this.resetOnAbandon = client.mode() == PoolMode.SESSION;
    }

    /** Starts a checkout; {@code outcome} is told once, on the client's loop. */
    void start(Outcome outcome) {
        start(outcome, false);
    }

    /**
     * The login's checkout. In transaction mode a login is no work of its own: it takes the replica
     * whose turn it is without moving the turn, which only work moves.
     */
    void startLogin(Outcome outcome) {
        start(outcome, client.mode() == PoolMode.TRANSACTION);
    }

    private void start(Outcome outcome, boolean login) {
        this.outcome = outcome;
        this.holdUntilNanos = 0;
        this.login = login;
        route();
    }

    /** The client is gone: a connection that arrives from now on goes back to its pool, and nobody is told. */
    void close() {
        closed = true;
        if (held != null) {
            held.cancel(false); // no longer keeps the node's watch going
        }
    }

    /**
     * Finds a server by the topology as it is now. With no primary (switchover pending, leader key
     * gone, store unreachable) work for the primary port waits for one, up to connect_wait_timeout.
     */
    private void route() {
        try {
            tryCandidate(login ? context.router().candidatesForLogin(client.role()) : context.router().candidates(client.role()), 0);
        } catch (NoServerAvailableException e) {
            if (client.role() != ListenerRole.PRIMARY) {
                outcome.failed(SqlState.CANNOT_CONNECT_NOW, e.getMessage());
                return;
            }
            context.router().awaitPrimary(loop).addListener(f -> {
                if (closed) {
                    return;
                }
                if (f.isSuccess()) {
                    route();
                } else {
                    outcome.failed(SqlState.CANNOT_CONNECT_NOW, f.cause().getMessage());
                }
            });
        }
    }

    private void tryCandidate(List<Member> candidates, int index) {
        Member member = candidates.get(index);
        ServerPool pool = context.pools().pool(
                new PoolKey(member.name(), member.host(), member.port(), client.database(), client.user()));
        if (credentials != ServerCredentials.NONE) {
            pool.updateCredentials(credentials);
        }
        traffic.checkoutStarted();
        pool.acquire(loop).addListener((Future<ServerConnection> f) -> {
            traffic.checkoutEnded();
            if (closed) {
                if (f.isSuccess()) {
                    pool.release(f.getNow());
                }
                return;
            }
            if (f.isSuccess()) {
                acquired(member, pool, f.getNow());
            } else {
                acquireFailed(candidates, index, pool, f.cause());
            }
        });
    }

    private void acquired(Member member, ServerPool pool, ServerConnection server) {
        boolean primaryPort = client.role() == ListenerRole.PRIMARY;
        if (primaryPort && !context.router().isPrimary(member.name())) {
            // A switchover began to drain this node while we waited for the connection: route again.
            pool.release(server);
            route();
        } else if (primaryPort && server.isHotStandby()) {
            refreshStandbyState(pool, server, member);
        } else {
            holdUntilNanos = 0;
            syncSettings(pool, server);
        }
    }

    private void acquireFailed(List<Member> candidates, int index, ServerPool pool, Throwable cause) {
        Member member = candidates.get(index);
        if (cause instanceof PoolClosedException) {
            // The node was fenced while we waited: route again by the new topology.
            route();
            return;
        }
        boolean unreachable = cause instanceof ServerLoginException e && e.nodeMayBeDown();
        if (unreachable && index + 1 < candidates.size()) {
            // NodeReachability reports the node once; this is per transaction.
            log.debug("server {} unreachable, trying {}: {}", member.name(), candidates.get(index + 1).name(), cause.getMessage());
            tryCandidate(candidates, index + 1);
        } else if (unreachable && client.role() == ListenerRole.PRIMARY) {
            // A crashed leader keeps its key until the lease expires: hold until it is replaced (or back).
            holdForWritablePrimary(pool, member, "cannot be reached (" + cause.getMessage() + ")");
        } else if (cause instanceof PoolTimeoutException) {
            outcome.failed(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
        } else if (cause instanceof ServerLoginException e) {
            context.metrics().serverLoginFailed(e.sqlState());
            outcome.failed(e.sqlState(), e.getMessage());
        } else {
            outcome.failed(SqlState.CONNECTION_FAILURE, "could not get a connection to server " + member.name() + ": "
                    + cause.getMessage());
        }
    }

    /**
     * A connection opened while its node was a standby (pre-opened for a switchover's candidate) keeps
     * saying in_hot_standby=on until it runs something: PostgreSQL reports the change at the next
     * ReadyForQuery. One empty statement tells whether the node is writable by now.
     */
    private void refreshStandbyState(ServerPool pool, ServerConnection server, Member member) {
        server.execute("").addListener(f -> onLoop(() -> {
            if (closed) {
                pool.release(server);
            } else if (f.isSuccess() && !server.isHotStandby()) {
                holdUntilNanos = 0;
                syncSettings(pool, server);
            } else {
                // The key holder is not writable yet (Patroni re-promotes a demoted leader a moment
                // after the store answers again): never hand it writes; hold and look again.
                pool.discard(server);
                holdForWritablePrimary(pool, member, "is still read-only (in recovery)");
            }
        }));
    }

    /**
     * Waits, with every other checkout held for {@code member}, until it takes writes or is replaced;
     * for at most connect_wait_timeout from the first hold of this checkout.
     */
    private void holdForWritablePrimary(ServerPool pool, Member member, String why) {
        Duration wait = context.router().connectWaitTimeout();
        long now = System.nanoTime();
        if (holdUntilNanos == 0) {
            holdUntilNanos = now + wait.toNanos();
        } else if (now - holdUntilNanos > 0) {
            outcome.failed(SqlState.CANNOT_CONNECT_NOW, "node " + member.name() + " holds the leader key but " + why
                    + " after connect_wait_timeout (" + wait.toMillis() + " ms)");
            return;
        }
        held = context.primaryHold().await(member.name(), loop, holdUntilNanos, () -> probeHeld(pool));
        held.addListener(f -> {
            held = null;
            if (closed) {
                return;
            }
            if (f.isSuccess()) {
                route();
            } else {
                outcome.failed(SqlState.CANNOT_CONNECT_NOW, "node " + member.name() + " holds the leader key but " + why
                        + " after connect_wait_timeout (" + wait.toMillis() + " ms)");
            }
        });
    }

    /**
     * Whether the checkouts held for the node of {@code pool} should look again now: it takes writes (a
     * connection can be had and is not in recovery, asked with one empty statement, as a connection
     * learns of a promotion only at its next ReadyForQuery), or getting a connection failed for a
     * reason other than the node being down, which each of them is then told as before.
     */
    private Future<Boolean> probeHeld(ServerPool pool) {
        Promise<Boolean> lookAgain = loop.newPromise();
        pool.acquire(loop).addListener((Future<ServerConnection> f) -> {
            if (!f.isSuccess()) {
                lookAgain.trySuccess(!(f.cause() instanceof ServerLoginException e && e.nodeMayBeDown()));
                return;
            }
            ServerConnection server = f.getNow();
            if (!server.isHotStandby()) {
                pool.release(server, false);
                lookAgain.trySuccess(true);
                return;
            }
            server.execute("").addListener(e -> onLoop(() -> {
                boolean promoted = e.isSuccess() && !server.isHotStandby();
                if (promoted) {
                    pool.release(server, false);
                } else {
                    pool.discard(server);
                }
                lookAgain.trySuccess(promoted);
            }));
        });
        return lookAgain;
    }

    /** Brings the connection to the settings this client asked for at startup (and changed since). */
    private void syncSettings(ServerPool pool, ServerConnection server) {
        Map<String, String> wanted = settings.snapshot();
        Map<String, String> synced = server.syncedSettings();
        if (synced == wanted || wanted.equals(synced)) {
            // The usual case in transaction mode: the last client had the same settings.
            outcome.ready(pool, server);
            return;
        }
        String sql = StartupParameters.syncStatements(wanted, server.parameters(), server.initialParameters(),
                server.appliedSettings());
        if (sql.isEmpty()) {
            server.syncedSettings(wanted);
            outcome.ready(pool, server);
            return;
        }
        server.execute(sql).addListener(f -> onLoop(() -> {
            if (f.isSuccess()) {
                server.appliedSettings().clear();
                server.appliedSettings().putAll(wanted);
                server.syncedSettings(wanted);
            }
            if (closed) {
                pool.release(server, resetOnAbandon);
            } else if (f.isSuccess()) {
                outcome.ready(pool, server);
            } else {
                pool.release(server, resetOnAbandon);
                String sqlState = f.cause() instanceof ServerQueryException e ? e.sqlState() : SqlState.CONNECTION_FAILURE;
                outcome.failed(sqlState, f.cause().getMessage());
            }
        }));
    }

    /** Runs a server-side completion on the client's loop (the server connection may live on another). */
    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
