package io.pgwarden.pool.tls;

/** Told the outcome of every TLS handshake with a server (for metrics). */
@FunctionalInterface
public interface TlsHandshakeObserver {

    TlsHandshakeObserver NONE = ok -> { };

    void handshakeDone(boolean ok);
}
