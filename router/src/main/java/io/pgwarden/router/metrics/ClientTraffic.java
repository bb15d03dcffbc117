package io.pgwarden.router.metrics;

import io.micrometer.core.instrument.Clock;
import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's share of the metrics: what its session reports as frames pass, recorded into
 * the meters of its pool (database, user), which it looks up once, at login. Confined to the
 * client's event loop, so its fields are plain. Per frame it adds the frame's size and compares
 * its type byte; the clock is read only when a query starts, at ReadyForQuery, and around a
 * checkout.
 *
 * <p>A query runs from the first client message after the previous ReadyForQuery (a simple
 * Query, or the first message of an extended-protocol batch) to the ReadyForQuery that answers
 * it; a transaction from the first message after a ReadyForQuery with status idle to the next
 * one. Pipelined Query/Sync messages are counted, so each of their ReadyForQuery messages ends
 * one query and the next one starts there.
 */
public final class ClientTraffic {

    private static final byte IDLE = 'I';
    private static final byte COPY_IN_RESPONSE = 'G';

    private final TrafficMeters meters;
    private final Clock clock;
    private final String database;
    private final String user;
    private final AtomicInteger listenerClients;

    /** Null until the client is logged in. */
    private PoolTraffic pool;
    private boolean closed;
    private long checkoutStartNanos;
    /** A login's wait while its (database, user) had no meters yet, recorded if the login succeeds; -1 if none. */
    private long loginWaitNanos = -1;
    private boolean queryRunning;
    private long queryStartNanos;
    private boolean transactionOpen;
    private long transactionStartNanos;
    /** Query, Sync and FunctionCall messages sent and not yet answered by a ReadyForQuery. */
    private int unanswered;
    /** In COPY FROM STDIN the server ignores Sync: those get no ReadyForQuery and are not counted. */
    private boolean copyIn;

    ClientTraffic(TrafficMeters meters, String database, String user, AtomicInteger listenerClients) {
        this.meters = meters;
        this.clock = meters.clock();
        this.database = database;
        this.user = user;
        this.listenerClients = listenerClients;
    }

    /** The client is in (its first server connection logged in): counted on its listener from now on. */
    public void loggedIn() {
        if (pool != null || closed) {
            return;
        }
        pool = meters.pool(database, user);
        listenerClients.incrementAndGet();
        if (loginWaitNanos >= 0) {
            pool.waited(loginWaitNanos);
            loginWaitNanos = -1;
        }
    }

    /** The client is gone; safe to call more than once. */
    public void closed() {
        if (!closed && pool != null) {
            listenerClients.decrementAndGet();
        }
        closed = true;
    }

    /** The session asks its pool for a server connection. */
    public void checkoutStarted() {
        checkoutStartNanos = clock.monotonicTime();
    }

    /** The pool answered (with a connection, or a failure such as pool_timeout): the wait is over. */
    public void checkoutEnded() {
        long waited = clock.monotonicTime() - checkoutStartNanos;
        PoolTraffic target = pool != null ? pool : meters.existing(database, user);
        if (target != null) {
            target.waited(waited);
        } else {
            // The first login of this (database, user): recorded only if PostgreSQL accepts it.
            loginWaitNanos = waited;
        }
    }

    /** Whole frames (one or a run) from the logged-in client, about to be forwarded (or queued for a server). */
    public void received(ByteBuf frames) {
        pool.received(frames.readableBytes());
        if (!queryRunning) {
            long now = clock.monotonicTime();
            queryRunning = true;
            queryStartNanos = now;
            if (!transactionOpen) {
                transactionOpen = true;
                transactionStartNanos = now;
            }
        }
        for (int index = frames.readerIndex(), end = frames.writerIndex(); index < end; index = Frames.next(frames, index)) {
            byte type = Frames.typeAt(frames, index);
            if (copyIn) {
                copyIn = type != MessageTypes.COPY_DONE && type != MessageTypes.COPY_FAIL;
            } else if (type == MessageTypes.QUERY || type == MessageTypes.SYNC || type == MessageTypes.FUNCTION_CALL) {
                unanswered++;
            }
        }
    }

    /** Whole frames (one or a run) from the server, about to be written to the client. */
    public void sent(ByteBuf frames) {
        pool.sent(frames.readableBytes());
        for (int index = frames.readerIndex(), end = frames.writerIndex(); index < end; index = Frames.next(frames, index)) {
            byte type = Frames.typeAt(frames, index);
            if (type == MessageTypes.READY_FOR_QUERY) {
                readyForQuery(frames.getByte(index + Frames.HEADER_LENGTH));
            } else if (type == COPY_IN_RESPONSE) {
                // The server ignores every Sync it reads in copy-in, including any the client pipelined
                // behind the COPY's Execute: only the Sync (or Query's end) after CopyDone is answered.
                copyIn = true;
                unanswered = 0;
            }
        }
    }

    private void readyForQuery(byte status) {
        long now = clock.monotonicTime();
        copyIn = false;
        if (unanswered > 0) {
            unanswered--;
        }
        if (queryRunning) {
            pool.query(now - queryStartNanos);
        }
        // A pipelined query already sent starts now; otherwise the next message starts one.
        queryRunning = unanswered > 0;
        queryStartNanos = now;
        if (status == IDLE) {
            if (transactionOpen) {
                pool.transaction(now - transactionStartNanos);
            }
            transactionOpen = queryRunning;
            transactionStartNanos = now;
        }
    }
}
