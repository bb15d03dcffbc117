package io.pgwarden.pool.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * Supplies SCRAM nonces. Injected so tests can replay fixed vectors such as RFC 7677's.
 *
 * <p>A nonce must consist of printable ASCII characters other than {@code ','}; the sessions check
 * this and fail with {@link IllegalStateException} otherwise.
 */
@FunctionalInterface
public interface NonceSource {

    /** 18 raw bytes, as PostgreSQL uses (SCRAM_RAW_NONCE_LEN); base64 keeps it printable and comma-free. */
    int RAW_NONCE_LENGTH = 18;

    String nextNonce();

    static NonceSource secureRandom() {
        return secureRandom(new SecureRandom());
    }

    static NonceSource secureRandom(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        return () -> {
            byte[] raw = new byte[RAW_NONCE_LENGTH];
            random.nextBytes(raw);
            return Base64.getEncoder().encodeToString(raw);
        };
    }
}
