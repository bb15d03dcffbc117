package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
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

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        byte type = Frames.type(frame);
        if (type == MessageTypes.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(Frames.payload(frame));
            server.onParameterStatus(status.name(), status.value());
        } else if (type == MessageTypes.COMMAND_COMPLETE) {
            noteCommandComplete(frame);
        }
        boolean internal = internalQuery != null;
        // The pool's own statements are not in the reply tracker; everything else is accounted first.
        boolean deliver = internal || server.onReply(type);
        if (type == MessageTypes.READY_FOR_QUERY) {
            server.onReadyForQuery(TransactionStatus.of(frame.getByte(frame.readerIndex() + Frames.HEADER_LENGTH)));
        }
        if (internal) {
            handleInternal(type, frame);
            return;
        }
        if (!deliver) {
            frame.release();
            return;
        }
        ServerListener listener = server.listener();
        if (listener == null) {
            // An idle server speaks only to say it is going away (FATAL) or to notice us.
            if (type == MessageTypes.ERROR_RESPONSE) {
                log.info("{} said while idle: {}", server, ErrorResponse.decode(Frames.payload(frame)).message());
            }
            frame.release();
            return;
        }
        EventExecutor executor = listener.executor();
        if (executor.inEventLoop()) {
            listener.onServerFrame(frame);
        } else {
            executor.execute(() -> listener.onServerFrame(frame));
        }
    }

    /** Commands that wipe what the pool tracks on this connection. */
    private void noteCommandComplete(ByteBuf frame) {
        int tag = frame.readerIndex() + Frames.HEADER_LENGTH;
        // Most tags are SELECT/INSERT/UPDATE: look at the first byte before building a string.
        if (frame.readableBytes() < Frames.HEADER_LENGTH + 11 || frame.getByte(tag) != 'D') {
            return;
        }
        String text = frame.toString(tag, frame.readableBytes() - Frames.HEADER_LENGTH, java.nio.charset.StandardCharsets.US_ASCII);
        if (text.startsWith("DISCARD ALL") || text.startsWith("DEALLOCATE ALL")) {
            server.forgetPreparedStatements();
        }
        if (text.startsWith("DISCARD ALL")) {
            server.forgetAppliedSettings();
        }
    }

    private void handleInternal(byte type, ByteBuf frame) {
        try {
            if (type == MessageTypes.ERROR_RESPONSE) {
                internalError = ErrorResponse.decode(Frames.payload(frame));
            } else if (type == MessageTypes.READY_FOR_QUERY) {
                Promise<Void> promise = internalQuery;
                internalQuery = null;
                if (internalError != null) {
                    promise.tryFailure(new ServerLoginException(internalError.sqlState(), internalError.message()));
                } else {
                    promise.trySuccess(null);
                }
            }
        } finally {
            ReferenceCountUtil.release(frame);
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
        log.warn("{} failed, closing it: {}", server, cause.toString());
        ctx.close();
    }
}
