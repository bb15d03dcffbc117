package io.pgwarden.router.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.pgwarden.pool.tls.ServerTls;
import io.pgwarden.pool.tls.ServerTlsMode;
import io.pgwarden.pool.tls.TlsHandshakeObserver;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.RouterConfig;

import javax.net.ssl.SSLException;
import java.nio.file.Path;

/**
 * Builds the TLS contexts a router needs from its config, once at startup. A certificate, key or
 * CA file that cannot be used is a {@link ConfigException} naming the key and the file.
 */
public final class TlsContexts {

    private TlsContexts() {
    }

    /** The context presented to clients; call only when {@code tls.enabled()}. */
    public static SslContext forClients(RouterConfig.Tls tls) {
        SslContextBuilder builder;
        try {
            builder = SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile());
        } catch (IllegalArgumentException e) {
            throw certificateOrKeyError(tls, e);
        }
        builder.sslProvider(SslProvider.JDK);
        if (tls.caFile() != null) {
            try {
                builder.trustManager(tls.caFile().toFile());
            } catch (IllegalArgumentException e) {
                throw fileError("tls.ca_file", tls.caFile(), detail(e));
            }
            // As PostgreSQL with ssl_ca_file: a certificate is asked for, and checked when one is sent.
            builder.clientAuth(ClientAuth.OPTIONAL);
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw certificateOrKeyError(tls, e);
        }
    }

    /** TLS towards PostgreSQL as {@code server.tls} and {@code server.tls_ca_file} say. */
    public static ServerTls forServers(RouterConfig.Server server, TlsHandshakeObserver observer) {
        ServerTlsMode mode = ServerTlsMode.parse(server.tls());
        try {
            return ServerTls.of(mode, server.tlsCaFile(), observer);
        } catch (SSLException | IllegalArgumentException e) {
            throw fileError("server.tls_ca_file", server.tlsCaFile(), detail(e));
        }
    }

    private static ConfigException certificateOrKeyError(RouterConfig.Tls tls, Exception e) {
        String detail = detail(e);
        if (detail.contains("private key")) {
            return fileError("tls.key_file", tls.keyFile(), detail
                    + " (it must be an unencrypted PEM private key, \"BEGIN PRIVATE KEY\"; convert one with"
                    + " openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key)");
        }
        return new ConfigException("bad value for key 'tls.cert_file' (" + tls.certFile() + ") or 'tls.key_file' ("
                + tls.keyFile() + "): cannot use them as the router's TLS certificate and key: " + detail, e);
    }

    private static ConfigException fileError(String key, Path file, String detail) {
        return new ConfigException("bad value for key '" + key + "' (" + file + "): " + detail);
    }

    private static String detail(Throwable e) {
        StringBuilder detail = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !detail.toString().contains(cause.getMessage())) {
                detail.append(": ").append(cause.getMessage());
            }
        }
        return detail.toString();
    }
}
