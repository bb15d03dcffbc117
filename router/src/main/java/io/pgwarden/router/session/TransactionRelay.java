package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.ReadyForQuery;
import io.pgwarden.pool.protocol.frontend.StatementNames;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.pinning.PinReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Transaction mode: a server connection is checked out ({@link ServerCheckout}) at the first
 * message of a transaction — the client's frames wait meanwhile ({@link HeldFrames}), its socket
 * paused — and given back at the ReadyForQuery that ends the transaction, unless the client is
 * pinned ({@link Pinning}). On the way out named prepared statements are renamed and re-created
 * where needed ({@link PreparedStatements}); on the way back the replies are followed for what
 * they change: statement names, the client's reported settings, the end of the transaction.
 * Confined to the client's event loop.
 */
final class TransactionRelay extends ServerLink implements ServerCheckout.Outcome {

    private static final Logger log = LoggerFactory.getLogger(TransactionRelay.class);
    /** PostgreSQL's reply to a cancelled statement, for one pgwarden held that never reached a server. */
    private static final ErrorResponse HELD_STATEMENT_CANCELED = heldStatementCanceled();

    private final ClientIdentity identity;
    private final ServerCheckout checkout;
    private final ClientSettings settings;
    private final CancelForwarder cancels;
    private final PreparedStatements statements;
    private final Pinning pinning;
    /** Frames that arrived while a server connection was being checked out. */
    private final HeldFrames held = new HeldFrames();

    /** A server connection is being checked out for held work (or for work cancelled meanwhile). */
    private boolean acquiring;
    /** When the current checkout began (nanoTime). */
    private long acquiringSinceNanos;
    /** The client cancelled held extended-protocol work before its Sync: its frames are dropped up to that Sync. */
    private boolean skipToSync;

    TransactionRelay(ClientSession session, ChannelHandlerContext client, ClientIdentity identity, ServerCheckout checkout,
                     ClientSettings settings, ClientTraffic traffic, SessionContext context, long clientId) {
        super(session, client, traffic);
        this.identity = identity;
        this.checkout = checkout;
        this.settings = settings;
        this.cancels = context.cancels();
        this.statements = new PreparedStatements(new ClientStatements(clientId), client.alloc(), context::maxPreparedStatements);
        this.pinning = new Pinning(identity, context.metrics());
    }

    /** Idle between transactions: the login's connection serves others until the client's first one. */
    @Override
    public void start(ServerPool pool, ServerConnection server) {
        this.pool = pool;
        this.server = server;
        releaseServer();
    }

    // ---- the client's side ----------------------------------------------------------------------

    @Override
    public void fromClient(ByteBuf frames) {
        if (skipToSync) {
            frames = skipCancelled(frames);
            if (frames == null) {
                return;
            }
        }
        if (server != null && !acquiring && held.isEmpty()) {
            send(frames);
            return;
        }
        held.add(frames);
        if (!acquiring && server == null) {
            // First message of a transaction. An idle connection on this loop is handed over at
            // once; only when we must wait is the client's input paused (an epoll_ctl each way).
            acquiring = true;
            acquiringSinceNanos = System.nanoTime();
            checkout.start(this);
        }
        if (acquiring && !session.isClosed() && client.channel().config().isAutoRead()) {
            client.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void lastFromClient(ByteBuf frames, int end) {
        int before = end - frames.readerIndex();
        if (before > 0 && server != null && !acquiring && held.isEmpty()) {
            server.forward(frames.retainedSlice(frames.readerIndex(), before));
            server.flush();
        }
    }

    /**
     * Drops the frames of cancelled extended-protocol work up to its Sync, answering that Sync as
     * PostgreSQL does after an error; returns what follows it (now the caller's), or null.
     */
    private ByteBuf skipCancelled(ByteBuf frames) {
        int end = HeldFrames.endOfSkip(frames);
        if (end < 0) {
            frames.release();
            return null;
        }
        skipToSync = false;
        client.writeAndFlush(ReadyForQuery.IDLE, client.voidPromise());
        if (end == frames.writerIndex()) {
            frames.release();
            return null;
        }
        frames.readerIndex(end);
        return frames;
    }

    /** The checkout is done: the held frames go out. */
    @Override
    public void ready(ServerPool pool, ServerConnection server) {
        this.pool = pool;
        this.server = server;
        acquiring = false;
        if (held.isEmpty()) {
            // The client cancelled what waited for this connection: it is not needed now.
            releaseServer();
            client.channel().config().setAutoRead(true);
            return;
        }
        server.link(this);
        ByteBuf frames;
        while (this.server != null && (frames = held.poll()) != null) {
            try {
                send(frames);
            } catch (DecoderException e) {
                // Reached from a pool callback, not from channelRead: nothing else would answer it.
                session.failed(e);
                return;
            }
        }
        if (this.server != null) {
            this.server.flush();
        }
        if (!client.channel().config().isAutoRead()) {
            client.channel().config().setAutoRead(true);
        }
    }

    /**
     * No server connection for held work. If the client cancelled that work meanwhile nobody waits for
     * the connection: the client stays, idle; otherwise it is told why and closed.
     */
    @Override
    public void failed(String sqlState, String message) {
        if (!session.isClosed() && acquiring && held.isEmpty()) {
            log.debug("client {}: no server connection for cancelled work: {}", identity.user(), message);
            acquiring = false;
            releaseServer();
            client.channel().config().setAutoRead(true);
            return;
        }
        session.fatal(sqlState, message);
    }

    /**
     * Forwards a run of client frames. Frames that name a prepared statement are rewritten one by
     * one; everything between them goes out as one piece.
     */
    private void send(ByteBuf frames) {
        try {
            sendRenamed(frames);
        } catch (ProtocolException e) {
            // A malformed frame: it is decoded before anything of the run from it on is handed on.
            frames.release();
            throw e;
        }
    }

    private void sendRenamed(ByteBuf frames) {
        int start = frames.readerIndex();
        int end = frames.writerIndex();
        for (int index = start; index < end && server != null; ) {
            int next = Frames.next(frames, index);
            byte type = Frames.typeAt(frames, index);
            if (StatementNames.namesStatement(frames, index, next)) {
                if (index > start) {
                    server.forward(frames.retainedSlice(start, index - start));
                }
                ByteBuf frame = frames.retainedSlice(index, next - index);
                try {
                    switch (type) {
                        case MessageTypes.PARSE -> pinning.check(statements.sendParse(frame, server), server);
                        case MessageTypes.BIND -> statements.sendBind(frame, server);
                        default -> statements.sendStatementTarget(frame, server);
                    }
                } catch (ProtocolException e) {
                    frame.release(); // decoded before it is handed on or released: still ours
                    throw e;
                }
                start = next;
            } else {
                noteSent(type, frames, index, next);
            }
            index = next;
        }
        if (start == frames.readerIndex() && server != null) {
            server.forward(frames);
            return;
        }
        if (start < end && server != null) {
            server.forward(frames.retainedSlice(start, end - start));
        }
        frames.release();
    }

    /** What a frame forwarded unchanged means for pinning and for the client's statement names. */
    private void noteSent(byte type, ByteBuf frames, int index, int next) {
        switch (type) {
            case MessageTypes.QUERY -> {
                if (!pinning.isPinned()) {
                    pinning.check(CStrings.read(Frames.payloadAt(frames, index, next)), server);
                }
                statements.batchEndSent();
            }
            case MessageTypes.SYNC, MessageTypes.FUNCTION_CALL -> statements.batchEndSent();
            case MessageTypes.PARSE -> {
                // An unnamed statement (named ones are rewritten instead): its text follows the empty name.
                if (!pinning.isPinned()) {
                    pinning.check(CStrings.read(Frames.payloadAt(frames, index + 1, next)), server);
                }
                statements.unnamedParseSent();
            }
            default -> {
            }
        }
    }

    // ---- the server's side ----------------------------------------------------------------------

    @Override
    public void onServerFrames(ByteBuf frames) {
        if (!takeFromServer(frames)) {
            return;
        }
        boolean readyForQuery = followReplies(frames);
        client.write(frames, client.voidPromise());
        if (readyForQuery && !pinning.isPinned() && server != null && held.isEmpty() && server.isReusable()) {
            // The transaction is over and nothing else is in flight: give the connection back.
            client.flush();
            releaseServer();
        }
    }

    /**
     * Keeps the client's settings and statement names in step with what its server did; returns
     * true when the frames end with a ReadyForQuery.
     */
    private boolean followReplies(ByteBuf frames) {
        boolean readyForQuery = false;
        for (int index = frames.readerIndex(), end = frames.writerIndex(); index < end; ) {
            int next = Frames.next(frames, index);
            switch (Frames.typeAt(frames, index)) {
                case MessageTypes.PARAMETER_STATUS -> {
                    // The client changed a reported setting itself: carry it to its next server connections.
                    if (settings.follow(ParameterStatus.decode(Frames.payloadAt(frames, index, next))) && server != null) {
                        // The server already holds the new value: it matches the new settings.
                        server.syncedSettings(settings.snapshot());
                    }
                }
                case MessageTypes.PARSE_COMPLETE -> statements.parseCompleted();
                case MessageTypes.ERROR_RESPONSE -> statements.batchFailed(server);
                case MessageTypes.READY_FOR_QUERY -> {
                    statements.readyForQuery();
                    readyForQuery = true;
                }
                default -> {
                }
            }
            index = next;
        }
        return readyForQuery;
    }

    // ---- for the session's hooks and teardown ---------------------------------------------------

    /**
     * Gives the server connection back. It is reset only once the client is pinned (it may have left
     * session state on it); a LOAD pin closes it, as no reset query unloads a library.
     */
    @Override
    public void releaseServer() {
        ServerConnection released = server;
        if (released != null) {
            server = null;
            if (pinning.reason() == PinReason.LOAD) {
                pool.discard(released);
            } else {
                pool.release(released, pinning.isPinned());
            }
        }
    }

    /** Forwards a cancel to the server running the transaction, or fails the work held for one. */
    @Override
    public void cancel() {
        if (acquiring) {
            cancelHeldWork();
        } else if (server != null) {
            cancels.cancel(server.key(), server.backendKey(), client.channel().eventLoop());
        }
    }

    /**
     * Fails the statement held for a server connection with PostgreSQL's own cancel error and drops it,
     * so it never runs later; the session stays usable (idle: held work is always a transaction's start).
     */
    private void cancelHeldWork() {
        HeldFrames.Dropped dropped = held.dropFirstBatch();
        if (dropped == HeldFrames.Dropped.NOTHING) {
            return;
        }
        log.info("client {} cancelled its statement while pgwarden held it for a server connection ({} ms)", identity,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acquiringSinceNanos));
        client.write(HELD_STATEMENT_CANCELED, client.voidPromise());
        if (dropped == HeldFrames.Dropped.WHOLE_BATCH) {
            client.write(ReadyForQuery.IDLE, client.voidPromise());
        } else {
            skipToSync = true;
        }
        client.flush();
        if (held.isEmpty()) {
            client.channel().config().setAutoRead(true);
        }
    }

    /**
     * In transaction mode any server connection the client holds is a transaction under way; once
     * pinned, only one with a statement or transaction open.
     */
    @Override
    public boolean busyOn(String node) {
        ServerConnection current = server;
        boolean onNode = current != null && current.key().node().equals(node);
        return onNode && (!pinning.isPinned() || !current.isReusable() || !held.isEmpty());
    }

    @Override
    public String state() {
        return server != null ? "active" : held.isEmpty() ? "idle" : "waiting";
    }

    @Override
    public PinReason pinReason() {
        return pinning.reason();
    }

    @Override
    public void close() {
        pinning.close();
        held.releaseAll();
    }

    private static ErrorResponse heldStatementCanceled() {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put('S', ErrorResponse.ERROR);
        fields.put('V', ErrorResponse.ERROR);
        fields.put('C', SqlState.QUERY_CANCELED);
        fields.put('M', "canceling statement due to user request");
        fields.put('D', "pgwarden held the statement waiting for a server connection; it did not reach any server");
        return new ErrorResponse(fields);
    }
}
