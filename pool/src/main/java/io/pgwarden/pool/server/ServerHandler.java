package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.TransactionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steady-state pipeline logic of a server connection: peeks at the few message types the pool
 * needs (ReadyForQuery, ParameterStatus, ErrorResponse) and hands every frame to the linked
 * client on the client's own event loop. Frames are never copied.
 */
final class ServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ServerHandler.class);

    private final ServerConnection server;
    private Promise<Void> internalQuery;
    private ErrorResponse internalError;

    ServerHandler(ServerConnection server) {
        this.server = server;
    }

    void beginInternalQuery(Promise<Void> promise) {
        internalQuery = promise;
        internalError = null;
    }

    /**
     * Takes a run of whole frames (see {@link io.pgwarden.pool.protocol.codec.FrameDecoder#emitRuns()}),
     * accounts for each reply, and hands the client the frames it must see in as few pieces as
     * possible: a piece ends at each ReadyForQuery (where the client may give the connection back)
     * and around replies to the pool's own injected messages, which are swallowed.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frames = (ByteBuf) msg;
        try {
            int start = frames.readerIndex();
            int end = frames.writerIndex();
            for (int index = start; index < end; ) {
                byte type = Frames.typeAt(frames, index);
                int next = Frames.next(frames, index);
                if (type == MessageTypes.PARAMETER_STATUS) {
                    ParameterStatus status = ParameterStatus.decode(Frames.payloadAt(frames, index, next));
                    server.onParameterStatus(status.name(), status.value());
                } else if (type == MessageTypes.COMMAND_COMPLETE) {
                    noteCommandComplete(frames, index, next);
                }
                boolean internal = internalQuery != null;
                // The pool's own statements are not in the reply tracker; everything else is accounted first.
                boolean deliver = internal || server.onReply(type);
                boolean readyForQuery = type == MessageTypes.READY_FOR_QUERY;
                if (readyForQuery) {
                    server.onReadyForQuery(TransactionStatus.of(frames.getByte(index + Frames.HEADER_LENGTH)));
                }
                if (internal || !deliver) {
                    deliver(frames, start, index);
                    if (internal) {
                        handleInternal(type, Frames.payloadAt(frames, index, next));
                    }
                    start = next;
                } else if (readyForQuery) {
                    deliver(frames, start, next);
                    start = next;
                }
                index = next;
            }
            deliver(frames, start, end);
        } finally {
            frames.release();
        }
    }

    /** Hands frames {@code [from, to)} to the linked client, on the client's own event loop. */
    private void deliver(ByteBuf frames, int from, int to) {
        if (to <= from) {
            return;
        }
        ServerListener listener = server.listener();
        if (listener == null) {
            // An idle server speaks only to say it is going away (FATAL) or to notice us.
            for (int index = from; index < to; index = Frames.next(frames, index)) {
                if (Frames.typeAt(frames, index) == MessageTypes.ERROR_RESPONSE) {
                    log.info("{} said while idle: {}", server,
                            ErrorResponse.decode(Frames.payloadAt(frames, index, Frames.next(frames, index))).message());
                }
            }
            return;
        }
        ByteBuf piece = frames.retainedSlice(from, to - from);
        EventExecutor executor = listener.executor();
        if (executor.inEventLoop()) {
            listener.onServerFrames(piece);
        } else {
            executor.execute(() -> listener.onServerFrames(piece));
        }
    }

    /** Commands that wipe what the pool tracks on this connection. */
    private void noteCommandComplete(ByteBuf frames, int index, int next) {
        int tag = index + Frames.HEADER_LENGTH;
        // Most tags are SELECT/INSERT/UPDATE: look at the first byte before building a string.
        if (next - tag < 11 || frames.getByte(tag) != 'D') {
            return;
        }
        String text = frames.toString(tag, next - tag, java.nio.charset.StandardCharsets.US_ASCII);
        if (text.startsWith("DISCARD ALL") || text.startsWith("DEALLOCATE ALL")) {
            server.forgetPreparedStatements();
        }
        if (text.startsWith("DISCARD ALL")) {
            server.forgetAppliedSettings();
        }
    }

    private void handleInternal(byte type, ByteBuf payload) {
        if (type == MessageTypes.ERROR_RESPONSE) {
            internalError = ErrorResponse.decode(payload);
        } else if (type == MessageTypes.READY_FOR_QUERY) {
            Promise<Void> promise = internalQuery;
            internalQuery = null;
            if (internalError != null) {
                promise.tryFailure(ServerQueryException.fromServer(internalError));
            } else {
                promise.trySuccess(null);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerListener listener = server.listener();
        if (listener != null && internalQuery == null) {
            EventExecutor executor = listener.executor();
            if (executor.inEventLoop()) {
                listener.onServerReadComplete();
            } else {
                executor.execute(listener::onServerReadComplete);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerListener listener = server.listener();
        if (listener != null) {
            boolean writable = ctx.channel().isWritable();
            listener.executor().execute(() -> listener.onServerWritabilityChanged(writable));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (internalQuery != null) {
            internalQuery.tryFailure(new IllegalStateException("server connection " + server.key() + " closed"));
            internalQuery = null;
        }
        ServerListener listener = server.listener();
        if (listener != null) {
            listener.executor().execute(() -> listener.onServerClosed(server));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            // The server went away under us (a reset after its FATAL, a restart): not our failure.
            log.info("{} lost: {}", server, cause.getMessage());
        } else {
            log.warn("{} failed, closing it", server, cause);
        }
        ctx.close();
    }
}
