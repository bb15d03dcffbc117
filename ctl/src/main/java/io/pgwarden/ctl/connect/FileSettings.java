package io.pgwarden.ctl.connect;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What ctl takes from an agent's, a router's or a Patroni node's YAML file ({@code -c}); the command
 * line overrides each of them.
 *
 * @param file         the file, for messages that name a key in it; empty for no file
 * @param etcd         its etcd endpoints and security settings (TLS paths relative to the file's folder)
 * @param etcdSection  the section they are in: {@code etcd}, {@code etcd3} or {@code dcs}
 * @param etcdHostsKey the key in that section that lists the endpoints ({@code hosts}, {@code host},
 *                     {@code url}, the router's {@code etcd})
 * @param auth         {@code user:password} of the REST API ({@code restapi.authentication}, or {@code ctl.auth})
 * @param cacert       {@code ctl.cacert}, else {@code restapi.cafile}; relative to the file's folder
 */
public record FileSettings(Optional<Path> file, EtcdSettings etcd, String etcdSection, String etcdHostsKey,
                           Optional<String> namespace, Optional<String> scope, Optional<String> auth,
                           Optional<Path> cacert, Optional<Boolean> insecure) {

    public FileSettings {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(etcdSection, "etcdSection");
        Objects.requireNonNull(etcdHostsKey, "etcdHostsKey");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(cacert, "cacert");
        Objects.requireNonNull(insecure, "insecure");
    }

    public static FileSettings none() {
        return new FileSettings(Optional.empty(), EtcdSettings.NONE, "etcd", "hosts", Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** An etcd setting as the file names it: {@code etcd.password in /etc/pgwarden/node1.yml}. */
    public String etcdKey(String setting) {
        String key = etcdSection + "." + (setting.startsWith("hosts") ? etcdHostsKey + setting.substring(5) : setting);
        return key + file.map(f -> " in " + f).orElse("");
    }
}
