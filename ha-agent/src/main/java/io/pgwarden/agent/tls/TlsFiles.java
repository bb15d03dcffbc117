package io.pgwarden.agent.tls;

import io.pgwarden.discovery.pem.PemFiles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The REST API's TLS files, Patroni's {@code restapi} keys: the server's certificate (and chain), its key,
 * the CA that client certificates must chain to, and whether a client must show one. Turned into the
 * {@link SSLContext}s the server and the agent's own requests to its peers use.
 *
 * @param certfile        PEM certificate, the server's own first; may also hold the key
 * @param keyfile         PEM private key; null when {@code certfile} holds it
 * @param keyfilePassword for an encrypted key; null when it is not
 * @param cafile          PEM CA certificates trusted for client certificates and for peers; null for none
 * @param verifyClient    {@link VerifyClient#NONE}, {@code OPTIONAL} or {@code REQUIRED}
 */
public record TlsFiles(Path certfile, Path keyfile, String keyfilePassword, Path cafile, VerifyClient verifyClient) {

    /** Patroni's {@code restapi.verify_client}. */
    public enum VerifyClient {
        NONE, OPTIONAL, REQUIRED;

        /** {@code none}, {@code optional} or {@code required}, any case. */
        public static VerifyClient parse(String value) {
            try {
                return valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be one of none, optional, required, got '" + value + "'");
            }
        }
    }

    public TlsFiles {
        Objects.requireNonNull(certfile, "certfile");
        verifyClient = Objects.requireNonNullElse(verifyClient, VerifyClient.NONE);
    }

    /** The server's certificates, read now. */
    public List<X509Certificate> chain() {
        return PemFiles.certificates(certfile);
    }

    /** The server's key, read now, from {@code keyfile} or else {@code certfile}. */
    public PrivateKey key() {
        return PemFiles.privateKey(keyfile != null ? keyfile : certfile, keyfilePassword);
    }

    /** The server side: this certificate and key; client certificates checked against {@code cafile}. */
    public SSLContext serverContext() {
        return context(true);
    }

    /**
     * The client side, for the agent's requests to its peers (as Patroni's own requests do): it shows the
     * same certificate, and trusts {@code cafile} (the JVM's trust store without one).
     */
    public SSLContext clientContext() {
        return context(false);
    }

    private SSLContext context(boolean server) {
        try {
            List<X509Certificate> chain = chain();
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("restapi", key(), none, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            TrustManagerFactory tmf = null;
            if (cafile != null) {
                KeyStore trusted = KeyStore.getInstance("PKCS12");
                trusted.load(null, null);
                int i = 0;
                for (X509Certificate ca : PemFiles.certificates(cafile)) {
                    trusted.setCertificateEntry("ca-" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot use " + certfile + (server ? " to serve TLS" : " as a client")
                    + ": " + e.getMessage(), e);
        }
    }
}
