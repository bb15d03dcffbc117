package io.pgwarden.agent.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * HTTP basic authentication of the control endpoints, Patroni's {@code restapi.authentication}: one user
 * and password. Compared in constant time, so the answer's timing tells nothing about the password.
 */
public record BasicAuth(String username, String password) {

    /** The realm named in {@code WWW-Authenticate}. */
    public static final String REALM = "pgwarden";

    public BasicAuth {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /**
     * Why a request with this {@code Authorization} header is refused (Patroni's words), or empty when
     * it is let in.
     */
    public Optional<String> refusal(String authorization) {
        if (authorization == null) {
            return Optional.of("no auth header received");
        }
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.of("not authenticated");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(authorization.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return Optional.of("not authenticated");
        }
        byte[] expected = (username + ":" + password).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expected) ? Optional.empty() : Optional.of("not authenticated");
    }

    /** The {@code Authorization} header value a client sends. */
    public String header() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "BasicAuth[" + username + "]"; // never the password, in logs
    }
}
