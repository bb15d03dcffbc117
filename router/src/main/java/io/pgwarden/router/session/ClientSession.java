package io.pgwarden.router.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.discovery.Member;
import io.pgwarden.pool.PoolClosedException;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.PoolMode;
import io.pgwarden.pool.PoolTimeoutException;
import io.pgwarden.pool.ServerPool;
import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.pool.protocol.CStrings;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.codec.FrameDecoder;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.NegotiateProtocolVersion;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.backend.ReadyForQuery;
import io.pgwarden.pool.protocol.frontend.CancelRequest;
import io.pgwarden.pool.protocol.frontend.Close;
import io.pgwarden.pool.protocol.frontend.Parse;
import io.pgwarden.pool.protocol.frontend.StatementNames;
import io.pgwarden.pool.protocol.frontend.GssEncRequest;
import io.pgwarden.pool.protocol.frontend.SslRequest;
import io.pgwarden.pool.protocol.frontend.StartupMessage;
import io.pgwarden.pool.server.ServerConnection;
import io.pgwarden.pool.server.ServerCredentials;
import io.pgwarden.pool.server.ServerListener;
import io.pgwarden.pool.server.ServerLoginException;
import io.pgwarden.router.auth.AuthMethod;
import io.pgwarden.router.auth.ClientAuthentication;
import io.pgwarden.router.metrics.AuthFailure;
import io.pgwarden.router.metrics.ClientTraffic;
import io.pgwarden.router.metrics.ProtocolPhase;
import io.pgwarden.router.pinning.PinReason;
import io.pgwarden.router.pinning.SessionStateDetector;
import io.pgwarden.router.routing.ListenerRole;
import io.pgwarden.router.routing.NoServerAvailableException;
import io.pgwarden.router.routing.RoutingView;
import io.pgwarden.router.tls.ClientTlsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client connection from accept to close: startup, authentication, getting a server
 * connection from the pool, then forwarding frames both ways until either side leaves. In
 * session mode the server connection is the client's until logout; in transaction mode it is
 * taken at the first message of a transaction and given back at the ReadyForQuery that ends it,
 * with named prepared statements re-created on whichever connection comes next, and the client
 * pinned to its connection once it changes session state. All of its state is touched only on
 * the client channel's event loop.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements ServerListener {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final long STANDBY_RETRY_MILLIS = 100;
    /** PostgreSQL's reply to a cancelled statement, for one pgwarden held that never reached a server. */
    private static final ErrorResponse HELD_STATEMENT_CANCELED = heldStatementCanceled();

    private enum State { STARTUP, AUTHENTICATING, CONNECTING, LINKED, CLOSED }

    private final SessionContext context;
    private final ListenerRole role;

    private ChannelHandlerContext ctx;
    private State state = State.STARTUP;
    private StartupMessage startup;
    private Map<String, String> settings;
    /** An immutable copy of {@link #settings}, replaced whenever they change. */
    private Map<String, String> settingsSnapshot;
    private ClientAuthentication authentication;
    private boolean admitted;
    private BackendKeyData cancelKey;
    private ServerPool pool;
    private ServerConnection server;
    private ScheduledFuture<?> loginTimeout;
    /** While holding for a writable primary: when to give up (nanoTime), else 0. */
    private long holdUntilNanos;
    private PoolMode mode = PoolMode.SESSION;
    private ServerCredentials credentials = ServerCredentials.NONE;
    private PinReason pinReason;
    private ClientStatements statements;
    /** Set once the client is authenticated. */
    private ClientTraffic traffic;
    /** Transaction mode: frames that arrived while a server connection was being acquired. */
    private final HeldFrames queued = new HeldFrames();
    /** Transaction mode: a server connection is being acquired for held work (or for work cancelled meanwhile). */
    private boolean acquiring;
    /** When the current acquisition began (nanoTime). */
    private long acquiringSinceNanos;
    /** The client cancelled held extended-protocol work before its Sync: its frames are dropped up to that Sync. */
    private boolean skipToSync;
    /** Made once: taken at the start of every transaction. */
    private final Runnable startTransaction = this::startTransaction;
    private final long connectedAtMillis = System.currentTimeMillis();

    public ClientSession(SessionContext context, ListenerRole role) {
        this.context = context;
        this.role = role;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        long timeout = context.limits().authTimeout().toMillis();
        loginTimeout = ctx.executor().schedule(() -> {
            if (state != State.LINKED && state != State.CLOSED) {
                context.metrics().authFailed(AuthFailure.TIMEOUT);
                fatal(SqlState.PROTOCOL_VIOLATION, "login did not complete within auth_timeout (" + timeout + " ms)");
            }
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case LINKED -> onClientFrame((ByteBuf) msg);
            case STARTUP -> onStartupPacket(msg);
            case AUTHENTICATING -> onAuthenticationFrame((ByteBuf) msg);
            case CONNECTING -> {
                ReferenceCountUtil.release(msg);
                fatal(SqlState.PROTOCOL_VIOLATION, "client sent a message before the login completed");
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (server != null) {
            server.flush();
        }
    }

    // ---- startup ----------------------------------------------------------------------------

    private void onStartupPacket(Object packet) {
        if (packet instanceof SslRequest || packet instanceof GssEncRequest) {
            // No TLS or GSSAPI encryption on this listener: 'N', and the client goes on in plaintext.
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
            settings = StartupParameters.settings(message.parameters());
            settingsSnapshot = context.registry().canonicalSettings(Map.copyOf(settings));
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

        InetAddress address = clientAddress();
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
            log.info("login failed for user \"{}\" from {}: {}", startup.user(), clientAddress().getHostAddress(), e.getMessage());
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

    // ---- getting a server -------------------------------------------------------------------

    private void onAuthenticated() {
        state = State.CONNECTING;
        ctx.flush();
        if (context.console().claims(startup.database())) {
            // The admin console answers this client itself; it never gets a server connection.
            loginTimeout.cancel(false);
            context.console().open(ctx, startup.user(), startup.database(), role);
            return;
        }
        credentials = authentication.serverCredentials();
        traffic = context.metrics().client(role, startup.database(), startup.user());
        mode = context.poolModes().modeFor(startup.database(), startup.user());
        if (mode == PoolMode.TRANSACTION) {
            statements = new ClientStatements(context.registry().nextClientId());
        }
        connectForNextWork(this::welcome);
    }

    /**
     * Finds a server for the client's next piece of work, by the topology as it is now. With no
     * primary (switchover pending, leader key gone, store unreachable) work for the primary port
     * is held until one appears, up to connect_wait_timeout.
     */
    private void connectForNextWork(Runnable onReady) {
        try {
            connect(context.router().candidates(role), 0, onReady);
        } catch (NoServerAvailableException e) {
            if (role != ListenerRole.PRIMARY) {
                acquisitionFailed(SqlState.CANNOT_CONNECT_NOW, e.getMessage());
                return;
            }
            context.router().awaitPrimary(ctx.channel().eventLoop()).addListener(f -> {
                if (state == State.CLOSED) {
                    return;
                }
                if (f.isSuccess()) {
                    connectForNextWork(onReady);
                } else {
                    acquisitionFailed(SqlState.CANNOT_CONNECT_NOW, f.cause().getMessage());
                }
            });
        }
    }

    /** Retries shortly, for at most connect_wait_timeout from the first try of this hold. */
    private void holdForWritablePrimary(Member member, String why, Runnable onReady) {
        long now = System.nanoTime();
        Duration wait = context.router().connectWaitTimeout();
        if (holdUntilNanos == 0) {
            holdUntilNanos = now + wait.toNanos();
        } else if (now - holdUntilNanos > 0) {
            acquisitionFailed(SqlState.CANNOT_CONNECT_NOW, "node " + member.name() + " holds the leader key but " + why
                    + " after connect_wait_timeout (" + wait.toMillis() + " ms)");
            return;
        }
        ctx.executor().schedule(() -> {
            if (state != State.CLOSED) {
                connectForNextWork(onReady);
            }
        }, STANDBY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The topology changed: if this client's server connection may no longer be used — it is
     * not the leader-key holder (primary port) or no longer fit for reads (replica port) — the
     * client is cut, so not one more statement reaches that node. A transaction-mode client
     * between transactions holds no connection and simply goes to the new node next time.
     */
    public void fence(RoutingView view, String reason) {
        ctx.executor().execute(() -> {
            ServerConnection current = server;
            if (current == null || state == State.CLOSED) {
                return;
            }
            String node = current.key().node();
            boolean allowed = role == ListenerRole.PRIMARY
                    ? view.holdsKey(node)
                    : context.router().allowsReadsFrom(node) || mode == PoolMode.TRANSACTION;
            if (!allowed) {
                context.metrics().fencedClient();
                server = null;
                pool.discard(current);
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
    public java.util.concurrent.CompletableFuture<Boolean> busyOn(String node) {
        java.util.concurrent.CompletableFuture<Boolean> busy = new java.util.concurrent.CompletableFuture<>();
        try {
            ctx.executor().execute(() -> {
                ServerConnection current = server;
                boolean onNode = current != null && state != State.CLOSED && current.key().node().equals(node);
                boolean pooledPerTransaction = mode == PoolMode.TRANSACTION && pinReason == null;
                busy.complete(onNode && (pooledPerTransaction || !current.isReusable() || !queued.isEmpty()));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
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
            ServerConnection current = server;
            if (current == null || state == State.CLOSED || !current.key().node().equals(from)) {
                return;
            }
            context.metrics().fencedClient();
            server = null;
            pool.discard(current);
            fatal(SqlState.ADMIN_SHUTDOWN, "terminating connection: switchover of the primary from " + from
                    + " to " + to + why + "; reconnect");
        });
    }

    private void connect(List<Member> candidates, int index, Runnable onReady) {
        Member member = candidates.get(index);
        ServerPool candidatePool = context.pools().pool(
                new PoolKey(member.name(), member.host(), member.port(), startup.database(), startup.user()));
        if (credentials != ServerCredentials.NONE) {
            candidatePool.updateCredentials(credentials);
        }
        traffic.checkoutStarted();
        candidatePool.acquire(ctx.channel().eventLoop()).addListener((Future<ServerConnection> f) -> {
            traffic.checkoutEnded();
            if (state == State.CLOSED) {
                if (f.isSuccess()) {
                    candidatePool.release(f.getNow());
                }
                return;
            }
            if (f.isSuccess()) {
                ServerConnection acquired = f.getNow();
                if (role == ListenerRole.PRIMARY && !context.router().isPrimary(member.name())) {
                    // A switchover began to drain this node while we waited for the connection: route again.
                    candidatePool.release(acquired);
                    connectForNextWork(onReady);
                    return;
                }
                if (role == ListenerRole.PRIMARY && acquired.isHotStandby()) {
                    refreshStandbyState(candidatePool, acquired, member, onReady);
                    return;
                }
                holdUntilNanos = 0;
                pool = candidatePool;
                server = acquired;
                syncSettings(onReady);
                return;
            }
            Throwable cause = f.cause();
            if (cause instanceof PoolClosedException) {
                // The node was fenced while we waited: route again by the new topology.
                connectForNextWork(onReady);
                return;
            }
            boolean unreachable = cause instanceof ServerLoginException e && e.nodeMayBeDown();
            if (unreachable && index + 1 < candidates.size()) {
                log.info("server {} unreachable, trying {}: {}", member.name(), candidates.get(index + 1).name(), cause.getMessage());
                connect(candidates, index + 1, onReady);
            } else if (unreachable && role == ListenerRole.PRIMARY) {
                // A crashed leader keeps its key until the lease expires: hold until it is replaced (or back).
                holdForWritablePrimary(member, "cannot be reached (" + cause.getMessage() + ")", onReady);
            } else if (cause instanceof PoolTimeoutException) {
                acquisitionFailed(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
            } else if (cause instanceof ServerLoginException e) {
                context.metrics().serverLoginFailed(e.sqlState());
                acquisitionFailed(e.sqlState(), e.getMessage());
            } else {
                acquisitionFailed(SqlState.CONNECTION_FAILURE, "could not get a connection to server " + member.name() + ": "
                        + cause.getMessage());
            }
        });
    }

    /**
     * A connection opened while its node was a standby (pre-opened for a switchover's candidate) keeps
     * saying in_hot_standby=on until it runs something: PostgreSQL reports the change at the next
     * ReadyForQuery. One empty statement tells whether the node is writable by now.
     */
    private void refreshStandbyState(ServerPool candidatePool, ServerConnection acquired, Member member, Runnable onReady) {
        acquired.execute("").addListener(f -> ctx.executor().execute(() -> {
            if (state == State.CLOSED) {
                candidatePool.release(acquired);
            } else if (f.isSuccess() && !acquired.isHotStandby()) {
                holdUntilNanos = 0;
                pool = candidatePool;
                server = acquired;
                syncSettings(onReady);
            } else {
                // The key holder is not writable yet (Patroni re-promotes a demoted leader a moment
                // after the store answers again): never hand it writes; hold and look again.
                candidatePool.discard(acquired);
                holdForWritablePrimary(member, "is still read-only (in recovery)", onReady);
            }
        }));
    }

    /** Brings the pooled connection to the settings this client asked for at startup. */
    private void syncSettings(Runnable onReady) {
        ServerConnection target = server;
        Map<String, String> wanted = settingsSnapshot;
        Map<String, String> synced = target.syncedSettings();
        if (synced == wanted || wanted.equals(synced)) {
            // The usual case in transaction mode: the last client had the same settings.
            onReady.run();
            return;
        }
        String sql = StartupParameters.syncStatements(wanted, target.parameters(), target.initialParameters(),
                target.appliedSettings());
        if (sql.isEmpty()) {
            target.syncedSettings(wanted);
            onReady.run();
            return;
        }
        target.execute(sql).addListener(f -> ctx.executor().execute(() -> {
            if (f.isSuccess()) {
                target.appliedSettings().clear();
                target.appliedSettings().putAll(wanted);
                target.syncedSettings(wanted);
            }
            if (state == State.CLOSED) {
                releaseServer();
            } else if (f.isSuccess()) {
                onReady.run();
            } else {
                String sqlState = f.cause() instanceof ServerLoginException e ? e.sqlState() : SqlState.CONNECTION_FAILURE;
                acquisitionFailed(sqlState, f.cause().getMessage());
            }
        }));
    }

    /** What PostgreSQL sends after a login: AuthenticationOk, parameters, key, ReadyForQuery. */
    private void welcome() {
        loginTimeout.cancel(false);
        cancelKey = context.registry().register(this);
        server.link(this);
        state = State.LINKED;
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
        log.debug("client {} logged in ({} mode) on {}", startup.user(), mode, server);
        if (mode == PoolMode.TRANSACTION) {
            // Idle between transactions: the connection serves others until the next one.
            releaseServer();
        }
    }

    // ---- linked: forwarding -----------------------------------------------------------------

    /** A run of whole frames (see {@link FrameDecoder#emitRuns()}). */
    private void onClientFrame(ByteBuf frame) {
        int terminate = Frames.indexOf(frame, MessageTypes.TERMINATE);
        if (terminate >= 0) {
            // The client says goodbye; whatever came before it in the same read still goes out.
            int before = terminate - frame.readerIndex();
            if (before > 0 && server != null && !acquiring && queued.isEmpty()) {
                server.forward(frame.retainedSlice(frame.readerIndex(), before));
                server.flush();
            }
            frame.release();
            state = State.CLOSED;
            releaseServer();
            ctx.close();
            return;
        }
        traffic.received(frame);
        if (skipToSync) {
            frame = skipCancelled(frame);
            if (frame == null) {
                return;
            }
        }
        if (server != null && !acquiring && queued.isEmpty()) {
            send(frame);
            return;
        }
        queued.add(frame);
        if (!acquiring && server == null) {
            // First message of a transaction. An idle connection on this loop is handed over at
            // once; only when we must wait is the client's input paused (an epoll_ctl each way).
            acquiring = true;
            acquiringSinceNanos = System.nanoTime();
            connectForNextWork(startTransaction);
        }
        if (acquiring && state != State.CLOSED && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
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
        ctx.writeAndFlush(ReadyForQuery.IDLE, ctx.voidPromise());
        if (end == frames.writerIndex()) {
            frames.release();
            return null;
        }
        frames.readerIndex(end);
        return frames;
    }

    private void startTransaction() {
        acquiring = false;
        if (queued.isEmpty()) {
            // The client cancelled what waited for this connection: it is not needed now.
            releaseServer();
            ctx.channel().config().setAutoRead(true);
            return;
        }
        server.link(this);
        ByteBuf frame;
        while (server != null && (frame = queued.poll()) != null) {
            try {
                send(frame);
            } catch (DecoderException e) {
                // Reached from a pool callback, not from channelRead: nothing else would answer it.
                exceptionCaught(ctx, e);
                return;
            }
        }
        if (server != null) {
            server.flush();
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Forwards client frames (one, or a run). In transaction mode statement names are mapped on the
     * way: frames that name a prepared statement are rewritten one by one, everything between them
     * goes out as one piece.
     */
    private void send(ByteBuf frames) {
        if (mode == PoolMode.SESSION) {
            server.forward(frames);
            return;
        }
        try {
            sendInTransaction(frames);
        } catch (ProtocolException e) {
            // A malformed frame: it is decoded before anything of the run from it on is handed on.
            frames.release();
            throw e;
        }
    }

    private void sendInTransaction(ByteBuf frames) {
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
                        case MessageTypes.PARSE -> sendParse(frame);
                        case MessageTypes.BIND -> sendBind(frame);
                        default -> sendStatementTarget(frame);
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
                if (pinReason == null) {
                    notePin(CStrings.read(Frames.payloadAt(frames, index, next)));
                }
                statements.batchEndSent();
            }
            case MessageTypes.SYNC, MessageTypes.FUNCTION_CALL -> statements.batchEndSent();
            case MessageTypes.PARSE -> {
                // An unnamed statement (named ones are rewritten instead): its text follows the empty name.
                if (pinReason == null) {
                    notePin(CStrings.read(Frames.payloadAt(frames, index + 1, next)));
                }
                statements.unnamedParseSent();
            }
            default -> {
            }
        }
    }

    /** A Parse of a named statement: created on the server under a name of the router's. */
    private void sendParse(ByteBuf frame) {
        Parse parse = Parse.decode(Frames.payload(frame));
        notePin(parse.query());
        frame.release();
        Parse renamed = statements.register(parse);
        server.forward(encode(renamed));
        rememberPrepared(renamed.name());
    }

    private void sendBind(ByteBuf frame) {
        String name = StatementNames.ofBind(frame);
        Parse renamed = name.isEmpty() ? null : statements.lookup(name).orElse(null);
        if (renamed == null) {
            server.forward(frame);
            return;
        }
        ensurePrepared(renamed);
        ByteBuf rewritten = StatementNames.rewriteBind(ctx.alloc(), frame, renamed.name());
        frame.release();
        server.forward(rewritten);
    }

    private void sendStatementTarget(ByteBuf frame) {
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
            ensurePrepared(renamed);
        }
        ByteBuf rewritten = StatementNames.rewriteTarget(ctx.alloc(), frame, renamed.name());
        frame.release();
        server.forward(rewritten);
    }

    /** Re-creates the client's statement on this server connection if it does not have it yet. */
    private void ensurePrepared(Parse renamed) {
        if (!server.hasPreparedStatement(renamed.name())) {
            server.inject(encode(renamed));
            rememberPrepared(renamed.name());
        }
    }

    private void rememberPrepared(String name) {
        String evicted = server.addPreparedStatement(name, context.maxPreparedStatements());
        if (evicted != null) {
            server.inject(encode(new Close(evicted)));
        }
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    private ByteBuf encode(PgMessage message) {
        ByteBuf buf = ctx.alloc().buffer();
        message.encode(buf);
        return buf;
    }

    /** Pins the client to its server connection the first time it changes session state. */
    private void notePin(String sql) {
        if (pinReason != null) {
            return;
        }
        SessionStateDetector.detect(sql).ifPresent(reason -> {
            pinReason = reason;
            context.metrics().pinned(reason);
            log.info("client {}@{} from {} pinned to {}: {} changes session state ({})", startup.user(), startup.database(),
                    clientAddress().getHostAddress(), server, reason.tag(), abbreviate(sql));
        });
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void onServerFrames(ByteBuf frames) {
        if (state != State.LINKED) {
            frames.release();
            return;
        }
        traffic.sent(frames);
        boolean readyForQuery = mode == PoolMode.TRANSACTION && followReplies(frames);
        ctx.write(frames, ctx.voidPromise());
        if (readyForQuery && pinReason == null && server != null && queued.isEmpty() && server.isReusable()) {
            // The transaction is over and nothing else is in flight: give the connection back.
            ctx.flush();
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
            byte type = Frames.typeAt(frames, index);
            switch (type) {
                case MessageTypes.PARAMETER_STATUS ->
                        followSetting(ParameterStatus.decode(Frames.payloadAt(frames, index, next)));
                case MessageTypes.PARSE_COMPLETE -> statements.parseCompleted();
                case MessageTypes.ERROR_RESPONSE -> statements.batchFailed(name -> {
                    if (server != null) {
                        server.removePreparedStatement(name);
                    }
                });
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

    /** The client changed a reported setting itself: carry it to its next server connections. */
    private void followSetting(ParameterStatus status) {
        String name = status.name().toLowerCase(java.util.Locale.ROOT);
        if (SessionStateDetector.TRACKED_SETTINGS.contains(name) && !status.value().equals(settings.get(name))) {
            settings.put(name, status.value());
            settingsSnapshot = context.registry().canonicalSettings(Map.copyOf(settings));
            if (server != null) {
                // The server already holds the new value: it matches the new settings.
                server.syncedSettings(settingsSnapshot);
            }
        }
    }

    @Override
    public void onServerReadComplete() {
        ctx.flush();
    }

    @Override
    public void onServerWritabilityChanged(boolean writable) {
        // The server cannot take more: stop reading from the client until it can.
        ctx.channel().config().setAutoRead(writable);
    }

    @Override
    public void onServerClosed(ServerConnection closed) {
        if (server == closed && state == State.LINKED) {
            fatal(SqlState.CONNECTION_FAILURE, "the connection to server " + closed.key().node() + " was lost");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (server != null) {
            server.channel().config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Called from the cancel connection's thread: hop to ours, then forward to our server, or fail the
     * work held for one (no server has seen it, so nobody else could cancel it).
     */
    private void cancelQuery() {
        ctx.executor().execute(() -> {
            if (state != State.LINKED) {
                return;
            }
            if (acquiring) {
                cancelHeldWork();
            } else if (server != null) {
                context.cancels().cancel(server.key(), server.backendKey(), ctx.channel().eventLoop());
            }
        });
    }

    /**
     * Fails the statement held for a server connection with PostgreSQL's own cancel error and drops it,
     * so it never runs later; the session stays usable (idle: held work is always a transaction's start).
     */
    private void cancelHeldWork() {
        HeldFrames.Dropped dropped = queued.dropFirstBatch();
        if (dropped == HeldFrames.Dropped.NOTHING) {
            return;
        }
        log.info("client {}@{} from {} cancelled its statement while pgwarden held it for a server connection ({} ms)",
                startup.user(), startup.database(), clientAddress().getHostAddress(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acquiringSinceNanos));
        ctx.write(HELD_STATEMENT_CANCELED, ctx.voidPromise());
        if (dropped == HeldFrames.Dropped.WHOLE_BATCH) {
            ctx.write(ReadyForQuery.IDLE, ctx.voidPromise());
        } else {
            skipToSync = true;
        }
        ctx.flush();
        if (queued.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Connecting for held work failed. If the client cancelled that work meanwhile nobody waits for
     * the connection: the client stays, idle; otherwise it is told why and closed.
     */
    private void acquisitionFailed(String sqlState, String message) {
        if (state == State.LINKED && acquiring && queued.isEmpty()) {
            log.debug("client {}: no server connection for cancelled work: {}", startup.user(), message);
            acquiring = false;
            holdUntilNanos = 0;
            releaseServer();
            ctx.channel().config().setAutoRead(true);
            return;
        }
        fatal(sqlState, message);
    }

    // ---- teardown ---------------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
        }
        releaseServer();
        if (admitted) {
            admitted = false;
            context.registry().leave(startup.user());
        }
        if (cancelKey != null) {
            context.registry().unregister(cancelKey);
        }
        if (pinReason != null) {
            context.metrics().unpinned(pinReason);
        }
        if (traffic != null) {
            traffic.closed();
        }
        queued.releaseAll();
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
            releaseServer();
            ctx.close();
        } else {
            // A bug, also when a decoder threw it (Netty wraps it in a DecoderException): not the client's fault.
            log.error("client {} failed: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
            fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden: " + cause.getMessage());
        }
    }

    /**
     * Gives the server connection back. It is reset only when the client may have left session
     * state on it: always in session mode, and in transaction mode once pinned.
     */
    private void releaseServer() {
        ServerConnection released = server;
        if (released != null) {
            server = null;
            if (pinReason == PinReason.LOAD) {
                // No reset query unloads a library: the connection must serve nobody else.
                pool.discard(released);
            } else {
                pool.release(released, mode == PoolMode.SESSION || pinReason != null);
            }
        }
    }

    /** Sends a FATAL error and closes the client; its server goes back to the pool if clean. */
    private void fatal(String sqlState, String message) {
        boolean wasOpen = state != State.CLOSED;
        if (wasOpen && SqlState.PROTOCOL_VIOLATION.equals(sqlState)) {
            context.metrics().protocolError(state == State.LINKED ? ProtocolPhase.SESSION : ProtocolPhase.STARTUP);
        }
        state = State.CLOSED;
        releaseServer();
        if (wasOpen && ctx.channel().isActive()) {
            FatalReply.send(ctx, ErrorResponse.fatal(sqlState, message));
        } else {
            ctx.close();
        }
    }

    // ---- admin console: SHOW CLIENTS, KILL ---------------------------------------------------

    /** The database the client logged in to. */
    public String database() {
        return startup.database();
    }

    /** What SHOW CLIENTS prints, read on this client's own event loop. */
    public Future<ClientInfo> describe() {
        return ctx.executor().submit(() -> new ClientInfo(startup.user(), startup.database(), role,
                ((InetSocketAddress) ctx.channel().localAddress()).getPort(),
                (InetSocketAddress) ctx.channel().remoteAddress(),
                server != null ? "active" : queued.isEmpty() ? "idle" : "waiting",
                java.time.Instant.ofEpochMilli(connectedAtMillis), mode, pinReason == null ? null : pinReason.tag(),
                ClientTlsHandler.isEncrypted(ctx.channel()),
                server == null ? null : server.key().node()));
    }

    /** Cuts the client at once (admin KILL): its server connection is closed, not reused. */
    public void terminate(String message) {
        ctx.executor().execute(() -> {
            ServerConnection current = server;
            if (current != null) {
                server = null;
                pool.discard(current);
            }
            fatal(SqlState.ADMIN_SHUTDOWN, message);
        });
    }

    private static ErrorResponse heldStatementCanceled() {
        Map<Character, String> fields = new java.util.LinkedHashMap<>();
        fields.put('S', ErrorResponse.ERROR);
        fields.put('V', ErrorResponse.ERROR);
        fields.put('C', SqlState.QUERY_CANCELED);
        fields.put('M', "canceling statement due to user request");
        fields.put('D', "pgwarden held the statement waiting for a server connection; it did not reach any server");
        return new ErrorResponse(fields);
    }

    private InetAddress clientAddress() {
        return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }
}
