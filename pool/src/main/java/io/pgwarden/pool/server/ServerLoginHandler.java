package io.pgwarden.pool.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.pgwarden.pool.PoolKey;
import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.pool.auth.Md5Password;
import io.pgwarden.pool.auth.ScramClientSession;
import io.pgwarden.pool.protocol.codec.FrameDecoder;
import io.pgwarden.pool.protocol.Frames;
import io.pgwarden.pool.protocol.MessageTypes;
import io.pgwarden.pool.protocol.ProtocolException;
import io.pgwarden.pool.protocol.SqlState;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.backend.BackendKeyData;
import io.pgwarden.pool.protocol.backend.ErrorResponse;
import io.pgwarden.pool.protocol.backend.ParameterStatus;
import io.pgwarden.pool.protocol.frontend.PasswordMessage;
import io.pgwarden.pool.protocol.frontend.SaslInitialResponse;
import io.pgwarden.pool.protocol.frontend.SaslResponse;
import io.pgwarden.pool.protocol.frontend.StartupMessage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Logs in to PostgreSQL: startup, whichever authentication the server asks for, then the
 * parameters and key it sends until the first ReadyForQuery. Then it hands the channel to a
 * {@link ServerHandler} and completes the promise with the ready connection.
 */
final class ServerLoginHandler extends ChannelInboundHandlerAdapter {

    private static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    private final PoolKey key;
    private final ServerCredentials credentials;
    private final Promise<ServerConnection> promise;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private BackendKeyData backendKey = new BackendKeyData(0, 0);
    private ScramClientSession scram;

    ServerLoginHandler(PoolKey key, ServerCredentials credentials, Promise<ServerConnection> promise) {
        this.key = key;
        this.credentials = credentials;
        this.promise = promise;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", key.user());
        startup.put("database", key.database());
        ctx.writeAndFlush(new StartupMessage(StartupMessage.PROTOCOL_3_0, startup));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        ByteBuf frame = (ByteBuf) msg;
        try {
            ByteBuf payload = Frames.payload(frame);
            switch (Frames.type(frame)) {
                case MessageTypes.AUTHENTICATION -> authenticate(ctx, Authentication.decode(payload));
                case MessageTypes.PARAMETER_STATUS -> {
                    ParameterStatus status = ParameterStatus.decode(payload);
                    parameters.put(status.name(), status.value());
                }
                case MessageTypes.BACKEND_KEY_DATA -> backendKey = BackendKeyData.decode(payload);
                case MessageTypes.ERROR_RESPONSE -> fail(ctx, ServerLoginException.fromServer(ErrorResponse.decode(payload)));
                case MessageTypes.READY_FOR_QUERY -> ready(ctx);
                case MessageTypes.NOTICE_RESPONSE, MessageTypes.NEGOTIATE_PROTOCOL_VERSION -> {
                    // Nothing to act on during login.
                }
                default -> throw new ProtocolException("unexpected message '" + (char) Frames.type(frame) + "' during login");
            }
        } finally {
            frame.release();
        }
    }

    private void authenticate(ChannelHandlerContext ctx, Authentication request) throws ServerLoginException {
        try {
            if (request instanceof Authentication.AuthenticationCleartextPassword) {
                ctx.writeAndFlush(new PasswordMessage(plainPassword("password")));
            } else if (request instanceof Authentication.AuthenticationMd5Password md5) {
                ctx.writeAndFlush(new PasswordMessage(Md5Password.response(md5Hash(), md5.salt())));
            } else if (request instanceof Authentication.AuthenticationSasl sasl) {
                if (!sasl.mechanisms().contains(SCRAM_SHA_256)) {
                    throw new ServerLoginException(SqlState.FEATURE_NOT_SUPPORTED,
                            "server offers no supported SASL mechanism: " + sasl.mechanisms());
                }
                scram = newScramSession();
                ctx.writeAndFlush(new SaslInitialResponse(SCRAM_SHA_256, scram.clientFirstMessage()));
            } else if (request instanceof Authentication.AuthenticationSaslContinue serverFirst) {
                ctx.writeAndFlush(new SaslResponse(scramSession().handleServerFirst(serverFirst.data())));
            } else if (request instanceof Authentication.AuthenticationSaslFinal serverFinal) {
                scramSession().verifyServerFinal(serverFinal.data());
            }
            // AuthenticationOk: parameters, key and ReadyForQuery follow.
        } catch (AuthenticationFailedException e) {
            throw new ServerLoginException(SqlState.INVALID_PASSWORD,
                    "login to server " + key.node() + " as \"" + key.user() + "\" failed: " + e.getMessage());
        }
    }

    private ScramClientSession scramSession() {
        if (scram == null) {
            throw new ProtocolException("SASL continuation before SASL start");
        }
        return scram;
    }

    private ScramClientSession newScramSession() throws ServerLoginException {
        if (credentials instanceof ServerCredentials.Password p) {
            return ScramClientSession.withPassword(p.password());
        }
        if (credentials instanceof ServerCredentials.Scram s) {
            return ScramClientSession.withKeys(s.keys(), s.verifier());
        }
        throw missing("SCRAM-SHA-256");
    }

    private String md5Hash() throws ServerLoginException {
        if (credentials instanceof ServerCredentials.Password p) {
            return Md5Password.hash(key.user(), p.password());
        }
        if (credentials instanceof ServerCredentials.Md5Hash h) {
            return h.hash();
        }
        throw missing("md5");
    }

    private String plainPassword(String method) throws ServerLoginException {
        if (credentials instanceof ServerCredentials.Password p) {
            return p.password();
        }
        throw missing(method);
    }

    private ServerLoginException missing(String method) {
        return new ServerLoginException(SqlState.INVALID_PASSWORD, "server " + key.node() + " asks user \""
                + key.user() + "\" for " + method + " authentication, and the auth file holds no secret usable for it");
    }

    private void ready(ChannelHandlerContext ctx) {
        ServerConnection server = new ServerConnection(ctx.channel(), key, backendKey, parameters);
        ctx.pipeline().replace(this, "server", new ServerHandler(server));
        // From here on replies are passed through, not interpreted: whole runs of frames at a time.
        ctx.pipeline().get(FrameDecoder.class).emitRuns();
        if (!promise.trySuccess(server)) {
            server.close();
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        promise.tryFailure(cause);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause instanceof ServerLoginException ? cause
                : new ServerLoginException("login to " + key.node() + " failed: " + cause.getMessage(), cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.tryFailure(new ServerLoginException(SqlState.CONNECTION_FAILURE,
                "server " + key.node() + " closed the connection during login"));
    }
}
