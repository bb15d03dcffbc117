package io.pgwarden.ctl.connect;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach etcd as one source gives it (the command line, or the etcd section of a -c file),
 * with the key names of Patroni's {@code etcd3} section; nothing parsed or checked yet.
 *
 * @param hosts    endpoints as written: {@code http://host:port}, {@code https://host:port} or {@code host:port}
 * @param protocol {@code http} or {@code https} for bare {@code host:port}
 */
public record EtcdSettings(List<String> hosts, Optional<String> protocol, Optional<Path> cacert, Optional<Path> cert,
                           Optional<Path> key, Optional<String> username, Optional<String> password) {

    public static final EtcdSettings NONE = new EtcdSettings(List.of(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public EtcdSettings {
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cacert, "cacert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** Whether a setting other than the endpoints is given. */
    public boolean hasSecurity() {
        return protocol.isPresent() || cacert.isPresent() || cert.isPresent() || key.isPresent()
                || username.isPresent() || password.isPresent();
    }

    /** Whether the setting named as in {@link io.pgwarden.discovery.etcd.EtcdConfigException#key()} is given here. */
    public boolean has(String setting) {
        return switch (setting) {
            case "protocol" -> protocol.isPresent();
            case "cacert" -> cacert.isPresent();
            case "cert" -> cert.isPresent();
            case "key" -> key.isPresent();
            case "username" -> username.isPresent();
            case "password" -> password.isPresent();
            default -> !hosts.isEmpty();
        };
    }

    /** These settings, each missing one taken from {@code fallback}. */
    public EtcdSettings orElse(EtcdSettings fallback) {
        return new EtcdSettings(hosts.isEmpty() ? fallback.hosts : hosts, protocol.or(fallback::protocol),
                cacert.or(fallback::cacert), cert.or(fallback::cert), key.or(fallback::key),
                username.or(fallback::username), password.or(fallback::password));
    }
}
