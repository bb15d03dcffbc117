package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.NegotiateProtocolVersion;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.GssEncRequest;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.router.auth.AuthMethod;
import io.pgwarden.router.auth.ClientAuthentication;
import io.pgwarden.router.metrics.AuthFailure;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.tls.ClientTlsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A client from accept until it is in: its startup packets (an SSLRequest or GSSENCRequest that
 * reaches this handler is answered 'N'; a CancelRequest is passed to the session it names), the
 * connection limits, the hba rule, the password exchange, all within {@code auth_timeout}; then
 * the first server checkout, which the login waits for so that the client sees that server's
 * parameters. Once a server is ready this handler puts a {@link ClientSession} in its own place in
 * the pipeline. A client of the admin console's database is handed to the console instead. No
 * server connection is touched before the client has proved itself.
 */
public final class ClientLoginHandler extends ChannelInboundHandlerAdapter implements ServerCheckout.Outcome {

    private static final Logger log = LoggerFactory.getLogger(ClientLoginHandler.class);

    private enum State { STARTUP, AUTHENTICATING, CONNECTING, DONE, CLOSED }

    private final SessionContext context;
    private final ListenerRole role;
    private final long connectedAtMillis = System.currentTimeMillis();

    private ChannelHandlerContext ctx;
    private State state = State.STARTUP;
    private StartupMessage startup;
    private ClientSettings settings;
    private ClientAuthentication authentication;
    private boolean admitted;
    private ScheduledFuture<?> loginTimeout;
    private ClientIdentity client;
    private ClientTraffic traffic;
    private ServerCheckout checkout;

    public ClientLoginHandler(SessionContext context, ListenerRole role) {
        this.context = context;
        this.role = role;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        long timeout = context.limits().authTimeout().toMillis();
        loginTimeout = ctx.executor().schedule(() -> {
            if (state != State.DONE && state != State.CLOSED) {
                context.metrics().authFailed(AuthFailure.TIMEOUT);
                fatal(SqlState.PROTOCOL_VIOLATION, "login did not complete within auth_timeout (" + timeout + " ms)");
            }
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case STARTUP -> onStartupPacket(msg);
            case AUTHENTICATING -> onAuthenticationFrame((ByteBuf) msg);
            case CONNECTING -> {
                ReferenceCountUtil.release(msg);
                fatal(SqlState.PROTOCOL_VIOLATION, "client sent a message before the login completed");
            }
            case DONE, CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Nothing to flush: no server is linked before the client is in.
    }

    // ---- startup ----------------------------------------------------------------------------

    private void onStartupPacket(Object packet) {
        if (packet instanceof SslRequest || packet instanceof GssEncRequest) {
            // No TLS on this listener (a TLS listener's ClientTlsHandler answers before us), no GSSAPI
            // encryption at all: 'N', and the client goes on in plaintext.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (packet instanceof CancelRequest cancel) {
            context.registry().find(cancel.processId(), cancel.secretKey()).ifPresent(ClientSession::cancelQuery);
            state = State.CLOSED;
            ctx.close();
        } else if (packet instanceof StartupMessage message) {
            onStartupMessage(message);
        } else {
            ReferenceCountUtil.release(packet);
            fatal(SqlState.PROTOCOL_VIOLATION, "expected a startup packet");
        }
    }

    private void onStartupMessage(StartupMessage message) {
        startup = message;
        String user = message.user();
        if (user == null || user.isEmpty()) {
            fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no PostgreSQL user name specified in startup packet");
            return;
        }
        List<String> unsupported = message.parameters().keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (message.minorVersion() > 0 || !unsupported.isEmpty()) {
            ctx.write(new NegotiateProtocolVersion(0, unsupported));
        }
        String replication = message.parameters().get("replication");
        if (replication != null && !List.of("false", "off", "no", "0").contains(replication.toLowerCase())) {
            fatal(SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported by pgwarden; connect to the server directly");
            return;
        }
        try {
            Map<String, String> requested = StartupParameters.settings(message.parameters());
            settings = new ClientSettings(requested, context.registry()::canonicalSettings);
        } catch (IllegalArgumentException e) {
            fatal(SqlState.PROTOCOL_VIOLATION, e.getMessage());
            return;
        }
        var refusal = context.registry().admit(user, context.limits().maxClientConn(), context.limits().maxUserConnections());
        if (refusal.isPresent()) {
            fatal(SqlState.TOO_MANY_CONNECTIONS, refusal.get());
            return;
        }
        admitted = true;

        InetAddress address = clientAddress().getAddress();
        boolean encrypted = ClientTlsHandler.isEncrypted(ctx.channel());
        AuthMethod method = context.hba().methodFor(message.database(), user, address, encrypted).orElse(AuthMethod.REJECT);
        if (method == AuthMethod.REJECT) {
            context.metrics().authFailed(AuthFailure.HBA_REJECT);
            fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no pgwarden hba rule allows host \"" + address.getHostAddress()
                    + "\", user \"" + user + "\", database \"" + message.database() + "\", "
                    + (encrypted ? "TLS" : "no encryption"));
            return;
        }
        authentication = ClientAuthentication.start(method, user, context.credentials());
        if (authentication.isDone()) {
            onAuthenticated();
        } else {
            state = State.AUTHENTICATING;
            authentication.firstRequest().ifPresent(request -> ctx.writeAndFlush(request));
        }
    }

    private void onAuthenticationFrame(ByteBuf frame) {
        try {
            if (Frames.type(frame) != MessageTypes.PASSWORD) {
                fatal(SqlState.PROTOCOL_VIOLATION, "expected a password response, got message type '" + (char) Frames.type(frame) + "'");
                return;
            }
            authentication.onPasswordMessage(Frames.payload(frame)).ifPresent(reply -> ctx.write(reply));
            if (authentication.isDone()) {
                onAuthenticated();
            } else {
                ctx.flush();
            }
        } catch (AuthenticationFailedException e) {
            log.info("login failed for user \"{}\" from {}: {}", startup.user(), clientAddress().getAddress().getHostAddress(),
                    e.getMessage());
            context.metrics().authFailed(AuthFailure.of(e, context.credentials().secretFor(startup.user()).isPresent()));
            if (e.reason() == AuthenticationFailedException.Reason.PROTOCOL_VIOLATION) {
                fatal(SqlState.PROTOCOL_VIOLATION, e.getMessage());
            } else {
                fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + startup.user() + "\"");
            }
        } finally {
            frame.release();
        }
    }

    // ---- the first server -------------------------------------------------------------------

    private void onAuthenticated() {
        state = State.CONNECTING;
        ctx.flush();
        if (context.console().claims(startup.database())) {
            // The admin console answers this client itself; it never gets a server connection.
            loginTimeout.cancel(false);
            context.console().open(ctx, startup.user(), startup.database(), role);
            return;
        }
        PoolMode mode = context.poolModes().modeFor(startup.database(), startup.user());
        client = new ClientIdentity(startup.user(), startup.database(), role, mode, clientAddress(), connectedAtMillis);
        traffic = context.metrics().client(role, startup.database(), startup.user());
        checkout = new ServerCheckout(context, client, authentication.serverCredentials(), settings, traffic,
                ctx.channel().eventLoop());
        checkout.startLogin(this);
    }

    /** The client's first server is ready: the session takes over, and this handler leaves. */
    @Override
    public void ready(ServerPool pool, ServerConnection server) {
        loginTimeout.cancel(false);
        state = State.DONE;
        ClientSession session = new ClientSession(context, client, traffic, checkout, settings);
        ctx.pipeline().replace(this, "session", session);
        session.start(pool, server);
    }

    @Override
    public void failed(String sqlState, String message) {
        fatal(sqlState, message);
    }

    // ---- teardown ---------------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException decoderFailure && ProtocolException.isPeerFault(decoderFailure)) {
            String detail = ProtocolException.detailOf(decoderFailure);
            log.info("protocol violation from {}: {}", ctx.channel().remoteAddress(), detail);
            fatal(SqlState.PROTOCOL_VIOLATION, "invalid message from client: " + detail);
        } else if (cause instanceof java.io.IOException) {
            // The client reset the connection: nobody is left to tell.
            log.debug("client {} connection lost: {}", ctx.channel().remoteAddress(), cause.getMessage());
            state = State.CLOSED;
            release();
            ctx.close();
        } else {
            // A bug, also when a decoder threw it (Netty wraps it in a DecoderException): not the client's fault.
            log.error("client {} failed", ctx.channel().remoteAddress(), cause);
            fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden: " + cause.getMessage());
        }
    }

    /** Gives back what the login holds: its timer, its checkout, its place in the connection limits. */
    private void release() {
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        if (checkout != null) {
            checkout.close();
        }
        if (admitted) {
            admitted = false;
            context.registry().leave(startup.user());
        }
        if (traffic != null) {
            traffic.closed();
        }
    }

    /** Sends a FATAL error and closes the client. */
    private void fatal(String sqlState, String message) {
        boolean wasOpen = state != State.CLOSED;
        if (wasOpen && SqlState.PROTOCOL_VIOLATION.equals(sqlState)) {
            context.metrics().protocolError(ProtocolPhase.STARTUP);
        }
        state = State.CLOSED;
        if (checkout != null) {
            checkout.close();
        }
        if (wasOpen && ctx.channel().isActive()) {
            FatalReply.send(ctx, ErrorResponse.fatal(sqlState, message));
        } else {
            ctx.close();
        }
    }

    private InetSocketAddress clientAddress() {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }
}
