package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.frontend.Close;
import io.pgwarden.pool.protocol.frontend.Parse;
import io.pgwarden.pool.protocol.frontend.StatementNames;
import io.pgwarden.pool.server.ServerConnection;

import java.util.function.IntSupplier;

/**
 * A transaction-mode client's named prepared statements on the wire: its Parse, Bind, Describe and
 * Close frames are rewritten to the server-side names {@link ClientStatements} gives out, and a
 * statement the client prepared on an earlier connection is re-created (injected, its reply
 * swallowed by the server connection) before its first use on this one. Each server connection
 * keeps at most {@code max_prepared_statements}; the least recently used is closed to make room.
 * Confined to the client's event loop.
 */
final class PreparedStatements {

    private final ClientStatements statements;
    private final ByteBufAllocator alloc;
    private final IntSupplier capacity;

    PreparedStatements(ClientStatements statements, ByteBufAllocator alloc, IntSupplier capacity) {
        this.statements = statements;
        this.alloc = alloc;
        this.capacity = capacity;
    }

    /**
     * A Parse of a named statement: created on the server under a name of the router's. Takes
     * {@code frame} once it is decoded (a malformed one stays the caller's); returns the statement's text.
     */
    String sendParse(ByteBuf frame, ServerConnection server) {
        Parse parse = Parse.decode(Frames.payload(frame));
        frame.release();
        Parse renamed = statements.register(parse);
        server.forward(encode(renamed));
        remember(renamed.name(), server);
        return parse.query();
    }

    /** A Bind naming a statement; takes {@code frame}. */
    void sendBind(ByteBuf frame, ServerConnection server) {
        String name = StatementNames.ofBind(frame);
        Parse renamed = name.isEmpty() ? null : statements.lookup(name).orElse(null);
        if (renamed == null) {
            server.forward(frame);
            return;
        }
        ensurePrepared(renamed, server);
        ByteBuf rewritten = StatementNames.rewriteBind(alloc, frame, renamed.name());
        frame.release();
        server.forward(rewritten);
    }

    /** A Describe or Close naming a statement; takes {@code frame}. */
    void sendStatementTarget(ByteBuf frame, ServerConnection server) {
        String name = StatementNames.targetKind(frame) == StatementNames.STATEMENT ? StatementNames.ofTarget(frame) : "";
        boolean close = Frames.type(frame) == MessageTypes.CLOSE;
        Parse renamed = name.isEmpty() ? null : (close ? statements.remove(name) : statements.lookup(name)).orElse(null);
        if (renamed == null) {
            server.forward(frame);
            return;
        }
        if (close) {
            server.removePreparedStatement(renamed.name());
        } else {
            ensurePrepared(renamed, server);
        }
        ByteBuf rewritten = StatementNames.rewriteTarget(alloc, frame, renamed.name());
        frame.release();
        server.forward(rewritten);
    }

    /** The client sent a Parse of the unnamed statement, unchanged. */
    void unnamedParseSent() {
        statements.unnamedParseSent();
    }

    /** The client sent a Sync, Query or FunctionCall. */
    void batchEndSent() {
        statements.batchEndSent();
    }

    /** ParseComplete went to the client. */
    void parseCompleted() {
        statements.parseCompleted();
    }

    /** ErrorResponse went to the client: the Parses the server skipped created nothing on {@code server} (if any). */
    void batchFailed(ServerConnection server) {
        statements.batchFailed(name -> {
            if (server != null) {
                server.removePreparedStatement(name);
            }
        });
    }

    /** ReadyForQuery went to the client. */
    void readyForQuery() {
        statements.readyForQuery();
    }

    /** Re-creates the client's statement on this server connection if it does not have it yet. */
    private void ensurePrepared(Parse renamed, ServerConnection server) {
        if (!server.hasPreparedStatement(renamed.name())) {
            server.inject(encode(renamed));
            remember(renamed.name(), server);
        }
    }

    private void remember(String name, ServerConnection server) {
        String evicted = server.addPreparedStatement(name, capacity.getAsInt());
        if (evicted != null) {
            server.inject(encode(new Close(evicted)));
        }
    }

    private ByteBuf encode(PgMessage message) {
        ByteBuf buf = alloc.buffer();
        message.encode(buf);
        return buf;
    }
}
