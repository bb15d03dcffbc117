package io.pgwarden.router.auth;

import io.pgwarden.pool.auth.ScramVerifier;
import io.pgwarden.pool.auth.Secret;
import io.pgwarden.pool.auth.UserList;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users' secrets from the auth file, plus SCRAM verifiers derived once per plaintext
 * password: PBKDF2 costs milliseconds, too much to pay on every login.
 */
public final class CredentialStore {

    private final UserList users;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, ScramVerifier> derived = new ConcurrentHashMap<>();

    public CredentialStore(UserList users) {
        this.users = users;
    }

    public Optional<Secret> secretFor(String user) {
        return users == null ? Optional.empty() : users.secretFor(user);
    }

    ScramVerifier verifierFor(String user, String password) {
        return derived.computeIfAbsent(user, u -> ScramVerifier.fromPassword(password, random));
    }
}
