package io.pgwarden.pool.server;

import io.pgwarden.pool.auth.ScramKeys;
import io.pgwarden.pool.auth.ScramVerifier;

import java.util.Objects;

/** What the router can prove to PostgreSQL on a user's behalf. */
public sealed interface ServerCredentials {

    /** The plaintext password: answers every method the server may ask for. */
    record Password(String password) implements ServerCredentials {
        public Password {
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Password[***]";
        }
    }

    /** A stored md5 hash ("md5" + 32 hex): answers md5 only. */
    record Md5Hash(String hash) implements ServerCredentials {
        public Md5Hash {
            Objects.requireNonNull(hash, "hash");
        }

        @Override
        public String toString() {
            return "Md5Hash[***]";
        }
    }

    /** SCRAM keys recovered from a client's own SCRAM login: answers SCRAM with the same salt. */
    record Scram(ScramKeys keys, ScramVerifier verifier) implements ServerCredentials {
        public Scram {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(verifier, "verifier");
        }

        @Override
        public String toString() {
            return "Scram[***]";
        }
    }

    /** Nothing to prove: works only where the server trusts the router. */
    record None() implements ServerCredentials {
    }

    ServerCredentials NONE = new None();
}
