package io.pgwarden.pool.auth;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * ClientKey and ServerKey for logging in to PostgreSQL without the plaintext password
 * ("pass-through", as PgBouncer does). The ClientKey comes from {@link ScramServerSession#clientKey()}
 * after a client authenticated against the same verifier; the ServerKey is that verifier's.
 *
 * <p>The keys are only valid for the salt and iteration count they were derived with, which is why
 * {@link ScramClientSession#withKeys} takes those too.
 */
public record ScramKeys(byte[] clientKey, byte[] serverKey) {

    public ScramKeys {
        Objects.requireNonNull(clientKey, "clientKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (clientKey.length != ScramSha256.KEY_LENGTH || serverKey.length != ScramSha256.KEY_LENGTH) {
            throw new IllegalArgumentException("ClientKey and ServerKey must be " + ScramSha256.KEY_LENGTH + " bytes");
        }
        clientKey = clientKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] clientKey() {
        return clientKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramKeys other
                && MessageDigest.isEqual(clientKey, other.clientKey)
                && MessageDigest.isEqual(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        return 0; // a content hash would leak key bits; these are never map keys
    }

    @Override
    public String toString() {
        return "ScramKeys[<redacted>]";
    }
}
