package io.pgwarden.pool.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS towards PostgreSQL: the mode, the client-side context it needs, and who hears about
 * handshakes. One instance serves every server connection (and cancel connection) of a router.
 */
public final class ServerTls {

    private static final ServerTls DISABLED = new ServerTls(ServerTlsMode.DISABLE, null, TlsHandshakeObserver.NONE);

    private final ServerTlsMode mode;
    private final SslContext context;
    private final TlsHandshakeObserver observer;

    private ServerTls(ServerTlsMode mode, SslContext context, TlsHandshakeObserver observer) {
        this.mode = mode;
        this.context = context;
        this.observer = observer;
    }

    public static ServerTls disabled() {
        return DISABLED;
    }

    /**
     * @param caFile for {@code verify-full}: PEM certificates to trust; null for the JVM's default trust store
     * @throws SSLException if the CA file cannot be used
     */
    public static ServerTls of(ServerTlsMode mode, Path caFile, TlsHandshakeObserver observer) throws SSLException {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(observer, "observer");
        if (mode == ServerTlsMode.DISABLE) {
            return DISABLED;
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (mode == ServerTlsMode.VERIFY_FULL) {
            if (caFile != null) {
                builder.trustManager(caFile.toFile());
            }
            // Checks the certificate's names (SAN DNS or IP) against the host the router connects to.
            builder.endpointIdentificationAlgorithm("HTTPS");
        } else {
            // prefer and require encrypt without checking who is at the other end, as libpq does.
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        return new ServerTls(mode, builder.build(), observer);
    }

    public ServerTlsMode mode() {
        return mode;
    }

    public boolean enabled() {
        return mode != ServerTlsMode.DISABLE;
    }

    TlsHandshakeObserver observer() {
        return observer;
    }

    SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return context.newHandler(alloc, host, port);
    }
}
