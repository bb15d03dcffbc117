package io.pgwarden.discovery.etcd;

import io.pgwarden.discovery.pem.PemException;
import io.pgwarden.discovery.pem.PemFiles;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything a client needs to reach etcd: its endpoints and its {@link EtcdSecurity}, plus where a
 * config file said so, for errors that name the setting to fix ({@code etcd.password in node1.yml}).
 * The agent's, the router's and the ctl's clients are all built from one of these by
 * {@link EtcdClients}.
 *
 * @param endpoints client URLs, all http or all https
 * @param keyPrefix the config section's prefix of the keys, e.g. {@code etcd.} or {@code dcs.}; "" for none
 * @param source    the config file (or "command line"); "" for none
 */
public record EtcdAccess(List<URI> endpoints, EtcdSecurity security, String keyPrefix, String source) {

    /** etcd's client port, for hosts written without one. */
    public static final int DEFAULT_PORT = 2379;

    public EtcdAccess {
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(source, "source");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is needed");
        }
    }

    /** Plain endpoints, no TLS files, no user. */
    public static EtcdAccess plain(List<URI> endpoints) {
        return new EtcdAccess(endpoints, EtcdSecurity.NONE, "", "");
    }

    /**
     * Checks a config section's etcd settings and reads its PEM files, so that a bad one stops the
     * program at start rather than at its first request.
     *
     * @param hostsKey the key that lists the endpoints ({@code hosts}, or the router's {@code etcd})
     * @param hosts    {@code http://host:port}, {@code https://host:port} or Patroni's bare
     *                 {@code host:port}, which takes {@code protocol}
     * @param protocol Patroni's {@code protocol}: {@code http} or {@code https}; null for http, or
     *                 for whatever the URLs say
     * @throws EtcdConfigException naming the key (relative to the section) and the file at fault
     */
    public static EtcdAccess parse(String hostsKey, List<String> hosts, String protocol, EtcdSecurity security) {
        Objects.requireNonNull(security, "security");
        if (protocol != null && !protocol.equals("http") && !protocol.equals("https")) {
            throw new EtcdConfigException("protocol", "must be http or https, got '" + protocol + "'");
        }
        if (hosts == null || hosts.isEmpty()) {
            throw new EtcdConfigException(hostsKey, "must list at least one etcd endpoint (http://host:port)");
        }
        List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            endpoints.add(endpoint(hostsKey + "[" + i + "]", hosts.get(i), protocol));
        }
        String firstScheme = endpoints.get(0).getScheme();
        for (int i = 1; i < endpoints.size(); i++) {
            if (!endpoints.get(i).getScheme().equals(firstScheme)) {
                throw new EtcdConfigException(hostsKey + "[" + i + "]", "is " + endpoints.get(i).getScheme()
                        + " but " + hostsKey + "[0] is " + firstScheme + "; all endpoints must use the same protocol");
            }
        }
        if (security.tlsFiles() && firstScheme.equals("http")) {
            String set = security.cacert().isPresent() ? "cacert" : security.cert().isPresent() ? "cert" : "key";
            throw new EtcdConfigException(set, "is set, so etcd must be reached over TLS, but " + hostsKey
                    + "[0] is '" + endpoints.get(0) + "'; use https:// URLs (or protocol: https)");
        }
        checkPairs(security);
        tls(security); // reads every file: a bad one is a config error now
        return new EtcdAccess(endpoints, security, "", "");
    }

    /** The same, its errors naming keys as {@code keyPrefix + key} in {@code source}. */
    public EtcdAccess from(String keyPrefix, String source) {
        return new EtcdAccess(endpoints, security, keyPrefix, source);
    }

    /** Whether the endpoints are https. */
    public boolean usesTls() {
        return endpoints.get(0).getScheme().equals("https");
    }

    /** Settings as the user finds them: {@code etcd.password in /etc/pgwarden/node1.yml}, {@code etcd.cert and etcd.key in ...}. */
    public String setting(String key, String... more) {
        StringBuilder text = new StringBuilder(keyPrefix).append(key);
        for (int i = 0; i < more.length; i++) {
            text.append(i == more.length - 1 ? " and " : ", ").append(keyPrefix).append(more[i]);
        }
        return text + (source.isEmpty() ? "" : " in " + source);
    }

    /** The parsed PEM files; empty without https. */
    Optional<TlsMaterial> tlsMaterial() {
        return usesTls() ? Optional.of(tls(security)) : Optional.empty();
    }

    /** What {@link EtcdClients} hands to the TLS stack. */
    record TlsMaterial(List<X509Certificate> trusted, Optional<PrivateKey> key, List<X509Certificate> chain) {
    }

    private static TlsMaterial tls(EtcdSecurity security) {
        checkPairs(security);
        List<X509Certificate> trusted = security.cacert().map(f -> pem("cacert", () -> PemFiles.certificates(f)))
                .orElse(List.of());
        List<X509Certificate> chain = security.cert().map(f -> pem("cert", () -> PemFiles.certificates(f)))
                .orElse(List.of());
        Optional<PrivateKey> key = security.key().map(f -> pem("key", () -> {
            // etcd's section has no key password (nor has Patroni's): the key is stored unencrypted
            PrivateKey read = PemFiles.privateKey(f, null);
            PemFiles.requireMatch(read, chain.get(0), f, security.cert().orElseThrow());
            return read;
        }));
        return new TlsMaterial(trusted, key, chain);
    }

    /** A PEM file's problem, named with its setting. */
    private static <T> T pem(String key, Supplier<T> read) {
        try {
            return read.get();
        } catch (PemException e) {
            throw new EtcdConfigException(key, e.getMessage(), e);
        }
    }

    private static void checkPairs(EtcdSecurity security) {
        if (security.cert().isPresent() && security.key().isEmpty()) {
            throw new EtcdConfigException("key", "is required with cert (the client certificate's private key)");
        }
        if (security.key().isPresent() && security.cert().isEmpty()) {
            throw new EtcdConfigException("cert", "is required with key (the certificate of that private key)");
        }
        if (security.username().isPresent() && security.username().get().isBlank()) {
            throw new EtcdConfigException("username", "must not be empty");
        }
        if (security.username().isPresent() && security.password().isEmpty()) {
            throw new EtcdConfigException("password", "is required with username");
        }
        if (security.password().isPresent() && security.username().isEmpty()) {
            throw new EtcdConfigException("username", "is required with password");
        }
    }

    private static URI endpoint(String key, String text, String protocol) {
        String expected = "must be http://host:port, https://host:port or host:port, got '" + text + "'";
        if (text == null || text.isBlank()) {
            throw new EtcdConfigException(key, expected);
        }
        String withScheme = text.contains("://") ? text : (protocol == null ? "http" : protocol) + "://" + text;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new EtcdConfigException(key, expected);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new EtcdConfigException(key, expected);
        }
        if (protocol != null && !scheme.equals(protocol)) {
            throw new EtcdConfigException(key, "is " + scheme + ":// but protocol is " + protocol + ", got '" + text + "'");
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        if (uri.getHost() == null || uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
                || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))
                || port < 1 || port > 65535) {
            throw new EtcdConfigException(key, expected);
        }
        return URI.create(scheme + "://" + uri.getHost() + ":" + port);
    }

    @Override
    public String toString() {
        return "EtcdAccess[" + endpoints + ", " + security.describe() + "]";
    }

    /** For tests and the ctl's {@code --cacert} style flags: files given one by one. */
    public static EtcdAccess parse(List<String> hosts, String protocol, Path cacert, Path cert, Path key,
                                   String username, String password) {
        return parse("hosts", hosts, protocol, EtcdSecurity.of(cacert, cert, key, username, password));
    }
}
