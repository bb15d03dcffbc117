package io.pgwarden.ctl.connect;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How ctl talks to the members' REST APIs.
 *
 * @param auth     {@code user:password} for HTTP basic authentication, if the API requires it
 * @param cacert   PEM CA certificates an {@code https} API's certificate must chain to; the JVM's
 *                 trust store when empty
 * @param insecure {@code https} without checking the certificate or its host name
 */
public record RestAccess(Optional<String> auth, Optional<Path> cacert, boolean insecure) {

    public RestAccess {
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(cacert, "cacert");
        auth.ifPresent(a -> {
            if (a.indexOf(':') < 1) {
                throw new IllegalArgumentException("REST authentication must be user:password");
            }
        });
    }

    public static RestAccess none() {
        return new RestAccess(Optional.empty(), Optional.empty(), false);
    }
}
