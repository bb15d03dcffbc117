package io.pgwarden.ctl.connect;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What ctl takes from an agent's, a router's or a Patroni node's YAML file ({@code -c}); the command
 * line overrides each of them.
 *
 * @param etcd      the etcd endpoints, empty when the file names none
 * @param auth      {@code user:password} of the REST API ({@code restapi.authentication}, or {@code ctl.auth})
 * @param cacert    {@code ctl.cacert}, else {@code restapi.cafile}; relative to the file's folder
 */
public record FileSettings(List<URI> etcd, Optional<String> namespace, Optional<String> scope,
                           Optional<String> auth, Optional<Path> cacert, Optional<Boolean> insecure) {

    public FileSettings {
        etcd = List.copyOf(etcd);
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(cacert, "cacert");
        Objects.requireNonNull(insecure, "insecure");
    }

    public static FileSettings none() {
        return new FileSettings(List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }
}
