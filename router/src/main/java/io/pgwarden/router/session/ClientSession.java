package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.ReadyForQuery;
import io.pgwarden.pool.protocol.codec.FrameDecoder;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.RoutingView;
import io.pgwarden.router.tls.ClientTlsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * A logged-in client: the pipeline handler that {@link ClientLoginHandler} puts in its own place once
 * the client is in. It hands the client's frames to its {@link Relay} ({@link SessionForwarder} or
 * {@link TransactionRelay}), holds the router-issued cancel key, answers the router's hooks (fencing,
 * a switchover's drain, the admin console's SHOW CLIENTS and KILL) and tears the client down. All of
 * its state is touched on the client channel's event loop; the hooks, called from other threads, hop
 * there once per call.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final SessionContext context;
    private final ClientIdentity client;
    private final ClientTraffic traffic;
    private final ServerCheckout checkout;
    private final ClientSettings settings;
    private ChannelHandlerContext ctx;
    private Relay relay;
    private BackendKeyData cancelKey;
    private boolean closed;

    ClientSession(SessionContext context, ClientIdentity client, ClientTraffic traffic, ServerCheckout checkout,
                  ClientSettings settings) {
        this.context = context;
        this.client = client;
        this.traffic = traffic;
        this.checkout = checkout;
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.relay = client.mode() == PoolMode.TRANSACTION
                ? new TransactionRelay(this, ctx, client, checkout, settings, traffic, context, context.registry().nextClientId())
                : new SessionForwarder(this, ctx, traffic, context.cancels());
    }

    /**
     * The client is in, checked against {@code server}: it gets what PostgreSQL sends after a login —
     * AuthenticationOk, the server's parameters, a router-issued cancel key, ReadyForQuery — and its
     * frames go to the relay from now on.
     */
    void start(ServerPool pool, ServerConnection server) {
        cancelKey = context.registry().register(this);
        traffic.loggedIn();
        ctx.write(Authentication.AuthenticationOk.INSTANCE);
        server.parameters().forEach((name, value) -> ctx.write(new ParameterStatus(name, value)));
        ctx.write(cancelKey);
        ctx.writeAndFlush(new ReadyForQuery(server.transactionStatus()));
        // From here on whole reads are forwarded at once (only statement names are rewritten, frame by frame),
        // and messages up to max_message_size are accepted.
        FrameDecoder frames = ctx.pipeline().get(FrameDecoder.class);
        if (frames != null) {
            frames.emitRuns();
            frames.loginCompleted();
        }
        log.debug("client {} logged in ({} mode) on {}", client.user(), client.mode(), server);
        relay.start(pool, server);
    }

    /** A run of whole frames (see {@link FrameDecoder#emitRuns()}). */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf frames = (ByteBuf) msg;
        int terminate = Frames.indexOf(frames, MessageTypes.TERMINATE);
        if (terminate >= 0) {
            // The client says goodbye; whatever came before it in the same read still goes out.
            relay.lastFromClient(frames, terminate);
            frames.release();
            markClosed();
            relay.releaseServer();
            ctx.close();
            return;
        }
        traffic.received(frames);
        relay.fromClient(frames);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        relay.clientReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        relay.clientWritabilityChanged(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    boolean isClosed() {
        return closed;
    }

    // ---- teardown -------------------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        markClosed();
        relay.releaseServer();
        context.registry().leave(client.user());
        if (cancelKey != null) {
            context.registry().unregister(cancelKey);
        }
        traffic.closed();
        relay.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(cause);
    }

    /** An exception on the client's path, from its pipeline or from a callback of its relay. */
    void failed(Throwable cause) {
        if (cause instanceof DecoderException decoderFailure && ProtocolException.isPeerFault(decoderFailure)) {
            String detail = ProtocolException.detailOf(decoderFailure);
            log.info("protocol violation from {}: {}", ctx.channel().remoteAddress(), detail);
            fatal(SqlState.PROTOCOL_VIOLATION, "invalid message from client: " + detail);
        } else if (cause instanceof java.io.IOException) {
            // The client reset the connection: nobody is left to tell.
            log.debug("client {} connection lost: {}", ctx.channel().remoteAddress(), cause.getMessage());
            markClosed();
            relay.releaseServer();
            ctx.close();
        } else {
            // A bug, also when a decoder threw it (Netty wraps it in a DecoderException): not the client's fault.
            log.error("client {} failed", ctx.channel().remoteAddress(), cause);
            fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden: " + cause.getMessage());
        }
    }

    /** Sends a FATAL error and closes the client; its server goes back to the pool if clean. */
    void fatal(String sqlState, String message) {
        boolean wasOpen = !closed;
        if (wasOpen && SqlState.PROTOCOL_VIOLATION.equals(sqlState)) {
            context.metrics().protocolError(ProtocolPhase.SESSION);
        }
        markClosed();
        relay.releaseServer();
        if (wasOpen && ctx.channel().isActive()) {
            FatalReply.send(ctx, ErrorResponse.fatal(sqlState, message));
        } else {
            ctx.close();
        }
    }

    private void markClosed() {
        closed = true;
        checkout.close();
    }

    // ---- hooks: cancel requests, fencing, switchover drain, admin console -----------------------

    /**
     * A CancelRequest with this client's key, from the cancel connection's thread: hop to ours, then
     * let the relay forward it to the server or fail the work held for one.
     */
    void cancelQuery() {
        ctx.executor().execute(() -> {
            if (!closed) {
                relay.cancel();
            }
        });
    }

    /**
     * The topology changed: if this client's server connection may no longer be used — it is
     * not the leader-key holder (primary port) or no longer fit for reads (replica port) — the
     * client is cut, so not one more statement reaches that node. A transaction-mode client
     * between transactions holds no connection and simply goes to the new node next time.
     */
    public void fence(RoutingView view, String reason) {
        ctx.executor().execute(() -> {
            ServerConnection current = relay.server();
            if (current == null || closed) {
                return;
            }
            String node = current.key().node();
            boolean allowed = client.role() == ListenerRole.PRIMARY
                    ? view.holdsKey(node)
                    : context.router().allowsReadsFrom(node) || client.mode() == PoolMode.TRANSACTION;
            if (!allowed) {
                context.metrics().fencedClient();
                relay.discardServer();
                fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection: " + reason
                        + "; server " + node + " may no longer be used, reconnect");
            }
        });
    }

    /**
     * Whether this client has work in flight on {@code node} (completes on its own loop): in transaction
     * mode any server connection it holds is a transaction under way; in session mode (or pinned) only
     * one with a statement or transaction open.
     */
    public CompletableFuture<Boolean> busyOn(String node) {
        CompletableFuture<Boolean> busy = new CompletableFuture<>();
        try {
            ctx.executor().execute(() -> busy.complete(!closed && relay.busyOn(node)));
        } catch (RejectedExecutionException e) {
            busy.complete(false); // its loop is gone, and the client with it
        }
        return busy;
    }

    /**
     * A switchover's drain is over: a client still holding a connection to the old primary (a session
     * kept across transactions, or a transaction that outran the drain timeout) is cut, naming both nodes.
     */
    public void cutForSwitchover(String from, String to, String why) {
        ctx.executor().execute(() -> {
            ServerConnection current = relay.server();
            if (current == null || closed || !current.key().node().equals(from)) {
                return;
            }
            context.metrics().fencedClient();
            relay.discardServer();
            fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection: switchover of the primary from " + from
                    + " to " + to + why + "; reconnect");
        });
    }

    /** The database the client logged in to. */
    public String database() {
        return client.database();
    }

    /** What SHOW CLIENTS prints, read on this client's own event loop. */
    public Future<ClientInfo> describe() {
        return ctx.executor().submit(() -> {
            ServerConnection server = relay.server();
            return new ClientInfo(client.user(), client.database(), client.role(),
                    ((InetSocketAddress) ctx.channel().localAddress()).getPort(), client.address(), relay.state(),
                    Instant.ofEpochMilli(client.connectedAtMillis()), client.mode(),
                    relay.pinReason() == null ? null : relay.pinReason().tag(),
                    ClientTlsHandler.isEncrypted(ctx.channel()), server == null ? null : server.key().node());
        });
    }

    /** Cuts the client at once (admin KILL): its server connection is closed, not reused. */
    public void terminate(String message) {
        ctx.executor().execute(() -> {
            relay.discardServer();
            fatal(SqlState.ADMIN_SHUTDOWN, message);
        });
    }
}
