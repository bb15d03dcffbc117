package io.pgwarden.discovery.etcd;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a client proves itself to etcd and checks etcd, with the key names of Patroni's {@code etcd3}
 * section. Everything is optional: with nothing set, the client talks plain http and anonymously.
 *
 * @param cacert   PEM CA certificate(s) etcd's certificate must be signed by; without it (and with
 *                 https endpoints) the JVM's default trust store decides
 * @param cert     PEM client certificate (chain) for etcd's {@code --client-cert-auth}; needs {@code key}
 * @param key      its unencrypted PEM private key (PKCS#8 {@code BEGIN PRIVATE KEY}, or RSA
 *                 {@code BEGIN RSA PRIVATE KEY})
 * @param username etcd user (etcd's auth); needs {@code password}
 * @param password that user's password
 */
public record EtcdSecurity(Optional<Path> cacert, Optional<Path> cert, Optional<Path> key,
                           Optional<String> username, Optional<String> password) {

    /** Plain http, no user: etcd as the demo and most tests run it. */
    public static final EtcdSecurity NONE = new EtcdSecurity(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    public EtcdSecurity {
        Objects.requireNonNull(cacert, "cacert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** From nullable values, as config records hold them. */
    public static EtcdSecurity of(Path cacert, Path cert, Path key, String username, String password) {
        return new EtcdSecurity(Optional.ofNullable(cacert), Optional.ofNullable(cert), Optional.ofNullable(key),
                Optional.ofNullable(username), Optional.ofNullable(password));
    }

    /** Whether any TLS file is set: the endpoints must then be https. */
    public boolean tlsFiles() {
        return cacert.isPresent() || cert.isPresent() || key.isPresent();
    }

    /** Whether the client logs in as a user. */
    public boolean authenticates() {
        return username.isPresent();
    }

    /** What a log line may show: which files and which user, never the password. */
    public String describe() {
        if (equals(NONE)) {
            return "no TLS files, no user";
        }
        StringBuilder text = new StringBuilder();
        cacert.ifPresent(p -> text.append("cacert ").append(p).append(", "));
        cert.ifPresent(p -> text.append("cert ").append(p).append(", "));
        username.ifPresent(u -> text.append("user '").append(u).append("', "));
        return text.isEmpty() ? "no TLS files, no user" : text.substring(0, text.length() - 2);
    }

    @Override
    public String toString() {
        return "EtcdSecurity[" + describe() + "]";
    }
}
