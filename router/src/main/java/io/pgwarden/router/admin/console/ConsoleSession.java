package io.pgwarden.router.admin.console;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.EmptyQueryResponse;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.ReadyForQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One admin console client after its login: answers simple-protocol queries with console
 * commands, one query at a time (a PAUSE may take a while; what the client sends meanwhile waits
 * its turn). Extended-protocol messages get 0A000 and are skipped up to the next Sync, as
 * PostgreSQL skips after an error. It sits before the client's session handler in the pipeline
 * and lets only the channel's closing through to it.
 */
final class ConsoleSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String user;
    private final ConsoleCommandParser parser;
    private final ConsoleCommands commands;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean skipToSync;
    private boolean closed;

    ConsoleSession(String user, ConsoleCommandParser parser, ConsoleCommands commands) {
        this.user = user;
        this.parser = parser;
        this.commands = commands;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.write(Authentication.AuthenticationOk.INSTANCE);
        parameters().forEach((name, value) -> ctx.write(new ParameterStatus(name, value)));
        // A key nobody can use: a cancel request has nothing to cancel here.
        ctx.write(new BackendKeyData(RANDOM.nextInt(Integer.MAX_VALUE - 1) + 1, RANDOM.nextInt()));
        ctx.writeAndFlush(ReadyForQuery.IDLE);
    }

    /** What clients expect to be told at login; psql and pgjdbc read server_version and the encodings. */
    private Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("server_version", "15.0 (" + ShowCommands.VERSION + " admin console)");
        parameters.put("server_encoding", "UTF8");
        parameters.put("client_encoding", "UTF8");
        parameters.put("DateStyle", "ISO, MDY");
        parameters.put("IntervalStyle", "postgres");
        parameters.put("TimeZone", "UTC");
        parameters.put("integer_datetimes", "on");
        parameters.put("standard_conforming_strings", "on");
        parameters.put("is_superuser", "off");
        parameters.put("session_authorization", user);
        parameters.put("application_name", "");
        return parameters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame) || closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // One frame per buffer, unless the decoder passes whole runs of frames: split those.
        for (int index = frame.readerIndex(), end = frame.writerIndex(); index < end; ) {
            int next = Frames.next(frame, index);
            pending.add(frame.retainedSlice(index, next - index));
            index = next;
        }
        frame.release();
        drain();
    }

    private void drain() {
        ByteBuf frame;
        while (!busy && !closed && (frame = pending.poll()) != null) {
            try {
                handle(frame);
            } finally {
                frame.release();
            }
        }
        ctx.flush();
    }

    private void handle(ByteBuf frame) {
        byte type = Frames.type(frame);
        switch (type) {
            case MessageTypes.QUERY -> query(CStrings.read(Frames.payload(frame)));
            case MessageTypes.TERMINATE -> {
                closed = true;
                ctx.close();
            }
            case MessageTypes.SYNC -> {
                skipToSync = false;
                ctx.write(ReadyForQuery.IDLE);
            }
            case MessageTypes.PARSE, MessageTypes.BIND, MessageTypes.DESCRIBE, MessageTypes.EXECUTE,
                    MessageTypes.CLOSE, MessageTypes.FLUSH -> {
                if (!skipToSync) {
                    skipToSync = true;
                    ctx.write(ErrorResponse.of(ErrorResponse.ERROR, SqlState.FEATURE_NOT_SUPPORTED, extendedNotSupported()));
                }
            }
            case MessageTypes.FUNCTION_CALL -> {
                ctx.write(ErrorResponse.of(ErrorResponse.ERROR, SqlState.FEATURE_NOT_SUPPORTED, extendedNotSupported()));
                ctx.write(ReadyForQuery.IDLE);
            }
            case MessageTypes.COPY_DATA, MessageTypes.COPY_DONE, MessageTypes.COPY_FAIL -> {
                // Outside COPY PostgreSQL ignores these too.
            }
            default -> fatal(SqlState.PROTOCOL_VIOLATION, "invalid frontend message type '" + (char) type + "'");
        }
    }

    private static String extendedNotSupported() {
        return "the admin console speaks only the simple query protocol (psql, or pgjdbc with preferQueryMode=simple)";
    }

    private void query(String sql) {
        List<ConsoleCommand> parsed;
        try {
            parsed = parser.parse(sql);
        } catch (ConsoleException e) {
            ctx.write(ErrorResponse.of(ErrorResponse.ERROR, e.sqlState(), e.getMessage()));
            ctx.write(ReadyForQuery.IDLE);
            return;
        }
        if (parsed.isEmpty()) {
            ctx.write(EmptyQueryResponse.INSTANCE);
            ctx.write(ReadyForQuery.IDLE);
            return;
        }
        busy = true;
        run(parsed, 0);
    }

    /** Runs the commands of one query in order; the first failure ends the query, as in PostgreSQL. */
    private void run(List<ConsoleCommand> parsed, int index) {
        if (index == parsed.size()) {
            finishQuery();
            return;
        }
        commands.execute(parsed.get(index), user, ctx.executor()).whenComplete((result, error) ->
                ctx.executor().execute(() -> {
                    if (closed) {
                        return;
                    }
                    if (error == null) {
                        ResultSetWriter.write(ctx, result);
                        run(parsed, index + 1);
                        return;
                    }
                    Throwable cause = ControlCommands.unwrap(error);
                    if (cause instanceof ConsoleException e) {
                        ctx.write(ErrorResponse.of(ErrorResponse.ERROR, e.sqlState(), e.getMessage()));
                    } else {
                        log.warn("admin console command {} failed", parsed.get(index), cause);
                        ctx.write(ErrorResponse.of(ErrorResponse.ERROR, SqlState.INTERNAL_ERROR,
                                "internal error in pgwarden: " + cause));
                    }
                    finishQuery();
                }));
    }

    private void finishQuery() {
        ctx.write(ReadyForQuery.IDLE);
        busy = false;
        drain();
    }

    private void fatal(String sqlState, String message) {
        if (closed) {
            return;
        }
        closed = true;
        ctx.writeAndFlush(ErrorResponse.fatal(sqlState, message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        ByteBuf frame;
        while ((frame = pending.poll()) != null) {
            frame.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException decoderFailure && ProtocolException.isPeerFault(decoderFailure)) {
            String detail = ProtocolException.detailOf(decoderFailure);
            fatal(SqlState.PROTOCOL_VIOLATION, "invalid message from client: " + detail);
        } else if (cause instanceof java.io.IOException) {
            // The client reset the connection: expected, no stack to look at.
            log.debug("admin console client {} connection lost: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
        } else {
            log.error("admin console client {} failed", ctx.channel().remoteAddress(), cause);
            fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden: " + cause.getMessage());
        }
    }
}
