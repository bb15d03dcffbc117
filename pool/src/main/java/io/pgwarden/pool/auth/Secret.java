package io.pgwarden.pool.auth;

import java.util.Objects;

/**
 * A user's stored secret in one of the three forms PostgreSQL and PgBouncer know. Each
 * {@code toString()} is redacted, so secrets cannot leak through logging a user list or a record.
 */
public sealed interface Secret permits Secret.PlainPassword, Secret.Md5Hash, Secret.ScramSecret {

    /**
     * Classifies stored text the way PostgreSQL does: {@code SCRAM-SHA-256$...} is a verifier,
     * {@code md5} plus 32 lowercase hex digits is an md5 hash, anything else a plaintext password.
     * Unlike PostgreSQL, a malformed {@code SCRAM-SHA-256$} string is an error, not a password: in a
     * config file it is almost surely a damaged verifier.
     *
     * @throws IllegalArgumentException for an empty secret or a malformed verifier (message safe to log)
     */
    static Secret parse(String text) {
        Objects.requireNonNull(text, "text");
        if (ScramVerifier.looksLikeVerifier(text)) {
            return new ScramSecret(ScramVerifier.parse(text));
        }
        if (Md5Password.isHash(text)) {
            return new Md5Hash(text);
        }
        return new PlainPassword(text);
    }

    record PlainPassword(String password) implements Secret {
        public PlainPassword {
            Objects.requireNonNull(password, "password");
            if (password.isEmpty()) {
                // PostgreSQL refuses empty passwords too; an empty one is a config mistake.
                throw new IllegalArgumentException("password must not be empty");
            }
        }

        @Override
        public String toString() {
            return "PlainPassword[<redacted>]";
        }
    }

    record Md5Hash(String hash) implements Secret {
        public Md5Hash {
            if (!Md5Password.isHash(hash)) {
                throw new IllegalArgumentException("md5 hash must be md5 followed by 32 lowercase hex digits");
            }
        }

        @Override
        public String toString() {
            return "Md5Hash[<redacted>]";
        }
    }

    record ScramSecret(ScramVerifier verifier) implements Secret {
        public ScramSecret {
            Objects.requireNonNull(verifier, "verifier");
        }

        @Override
        public String toString() {
            return "ScramSecret[" + verifier + "]";
        }
    }
}
