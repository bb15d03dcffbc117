package io.pgwarden.discovery.etcd;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens one connection to an etcd endpoint the way the client would (TLS with the same CA,
 * certificate and key, then the HTTP/2 preface gRPC sends) and says what went wrong, if anything
 * did. gRPC only reports "no answer in time" when a handshake keeps failing; this names the cause.
 */
final class TlsProbe {

    /** HTTP/2's connection preface and an empty SETTINGS frame: what a gRPC client sends first. */
    private static final byte[] PREFACE = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
    private static final int SETTINGS = 4;

    private TlsProbe() {
    }

    /** A message naming the TLS or protocol problem at {@code endpoint}, or empty when there is none to see. */
    static Optional<String> probe(EtcdAccess access, URI endpoint, Duration timeout) {
        int millis = (int) Math.max(100, timeout.toMillis());
        InetSocketAddress address = new InetSocketAddress(endpoint.getHost().replaceAll("^\\[|]$", ""), endpoint.getPort());
        boolean tls = endpoint.getScheme().equals("https");
        try (Socket socket = tls ? tlsSocket(access) : new Socket()) {
            socket.connect(address, millis);
            socket.setSoTimeout(millis);
            if (tls) {
                SSLSocket ssl = (SSLSocket) socket;
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the name check gRPC makes too
                parameters.setApplicationProtocols(new String[] {"h2"});
                ssl.setSSLParameters(parameters);
                ssl.startHandshake();
            }
            // TLS 1.3 servers refuse a client certificate only after the handshake: read their answer.
            OutputStream out = socket.getOutputStream();
            out.write(PREFACE);
            out.flush();
            byte[] header = socket.getInputStream().readNBytes(9);
            if (header.length == 9 && header[3] == SETTINGS) {
                return Optional.empty(); // it answers as etcd's gRPC does
            }
            if (tls) {
                return Optional.of("etcd at " + endpoint + " completed TLS but did not answer as etcd (gRPC) does");
            }
            return Optional.of("etcd at " + endpoint + " does not answer plain http (gRPC): does it need https://"
                    + " and cacert? (" + access.setting("hosts") + ")");
        } catch (SSLException e) {
            return Optional.of(tls ? explain(e, access, endpoint)
                    : "etcd at " + endpoint + ": " + e.getMessage());
        } catch (SocketTimeoutException e) {
            return Optional.empty(); // slow or frozen: not a TLS problem
        } catch (EOFException e) {
            return tls ? Optional.of(explain(e, access, endpoint)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // refused, unreachable: the caller reports those as they are
        } catch (GeneralSecurityException e) {
            return Optional.of("cannot set up TLS to etcd: " + e.getMessage());
        }
    }

    private static String explain(IOException e, EtcdAccess access, URI endpoint) {
        EtcdSecurity security = access.security();
        String text = messages(e);
        if (has(e, CertPathBuilderException.class) || text.contains("PKIX path")
                || text.contains("unable to find valid certification path")) {
            return "etcd's certificate at " + endpoint + " is not trusted: " + security.cacert()
                    .map(ca -> "no CA in " + ca + " signed it (" + access.setting("cacert") + ")")
                    .orElse("the JVM's default CAs did not sign it; set " + access.setting("cacert"));
        }
        if (text.contains("No subject alternative") || text.contains("No name matching")) {
            return "etcd's certificate at " + endpoint + " does not name " + endpoint.getHost()
                    + ": reach etcd by a name or address its certificate holds (" + access.setting("hosts") + ")";
        }
        if (has(e, CertificateException.class)) {
            return "etcd's certificate at " + endpoint + " is not accepted: " + firstMessage(e)
                    + " (" + access.setting("cacert") + ")";
        }
        if (text.contains("bad_certificate") || text.contains("certificate_required") || text.contains("unknown_ca")
                || text.contains("certificate_unknown") || text.contains("handshake_failure") && security.cert().isEmpty()) {
            return security.cert()
                    .map(cert -> "etcd at " + endpoint + " refused the client certificate " + cert
                            + ": it does not trust the CA that signed it (" + access.setting("cert") + ")")
                    .orElse("etcd at " + endpoint + " requires a client certificate: set "
                            + access.setting("cert", "key"));
        }
        if (text.contains("Unsupported or unrecognized SSL message") || text.contains("plaintext")
                || text.contains("Remote host terminated the handshake") || e instanceof EOFException) {
            return "etcd at " + endpoint + " does not answer TLS: is it plain http? (" + access.setting("hosts") + ")";
        }
        return "TLS with etcd at " + endpoint + " failed: " + firstMessage(e);
    }

    private static SSLSocket tlsSocket(EtcdAccess access) throws GeneralSecurityException, IOException {
        EtcdAccess.TlsMaterial material = access.tlsMaterial().orElseThrow();
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (material.trusted().isEmpty()) {
            trust.init((KeyStore) null); // the JVM's default CAs, as the gRPC client uses then
        } else {
            KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
            cas.load(null, null);
            int i = 0;
            for (X509Certificate ca : material.trusted()) {
                cas.setCertificateEntry("ca" + i++, ca);
            }
            trust.init(cas);
        }
        KeyManagerFactory keys = null;
        if (material.key().isPresent()) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("client", material.key().get(), none, material.chain().toArray(X509Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, none);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return (SSLSocket) context.getSocketFactory().createSocket();
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String messages(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append(" | ");
        }
        return text.toString();
    }

    private static String firstMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
