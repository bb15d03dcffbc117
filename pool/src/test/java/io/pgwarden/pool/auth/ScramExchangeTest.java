package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.pool.auth.AuthenticationFailedException.Reason;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Both halves against each other: an application logging in to the router, the router to PostgreSQL. */
class ScramExchangeTest {

    private final SecureRandom random = new SecureRandom();

    /** Runs one full exchange; returns the server session so callers can look at the recovered key. */
    private static ScramServerSession run(ScramClientSession client, ScramServerSession server)
            throws AuthenticationFailedException {
        String serverFirst = server.handleClientFirst(client.clientFirstMessage());
        String serverFinal = server.handleClientFinal(client.handleServerFirst(serverFirst));
        client.verifyServerFinal(serverFinal);
        assertThat(client.isComplete()).isTrue();
        assertThat(server.isComplete()).isTrue();
        return server;
    }

    @Test
    void passwordModeAgainstRandomSaltVerifier() throws Exception {
        // What the router does for a plain-text userlist password: derive a verifier with a random salt.
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret", random);

        ScramServerSession server = run(ScramClientSession.withPassword("s3cret"), new ScramServerSession(verifier));

        byte[] expected = ScramSha256.clientKey(ScramSha256.saltedPassword("s3cret", verifier.salt(), 4096));
        assertThat(server.clientKey()).hasValueSatisfying(key -> assertThat(key).isEqualTo(expected));
    }

    @Test
    void wrongPasswordFails() {
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret", random);
        ScramClientSession client = ScramClientSession.withPassword("guess");
        ScramServerSession server = new ScramServerSession(verifier);

        assertThatThrownBy(() -> run(client, server))
                .isInstanceOf(AuthenticationFailedException.class)
                .satisfies(e -> assertThat(((AuthenticationFailedException) e).reason())
                        .isEqualTo(Reason.INVALID_CREDENTIALS))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("guess", "s3cret"));
        assertThat(server.clientKey()).isEmpty();
    }

    @Test
    void passThroughWithKeysRecoveredFromTheClient() throws Exception {
        // Router and PostgreSQL hold the same verifier (e.g. copied from pg_authid into userlist.txt).
        ScramVerifier verifier = ScramVerifier.parse(ScramVerifierTest.PG15_POSTGRES);
        ScramServerSession router = run(ScramClientSession.withPassword("postgres"), new ScramServerSession(verifier));
        ScramKeys keys = router.keys().orElseThrow();

        ScramClientSession pool = ScramClientSession.withKeys(keys, verifier);
        run(pool, new ScramServerSession(verifier));

        assertThat(pool.isComplete()).isTrue();
    }

    @Test
    void passThroughFailsClearlyWhenPostgresHasAnotherSalt() throws Exception {
        // Same password, but PostgreSQL's verifier was created separately, so its salt differs.
        ScramVerifier routerVerifier = ScramVerifier.fromPassword("s3cret", random);
        ScramVerifier postgresVerifier = ScramVerifier.fromPassword("s3cret", random);
        ScramServerSession router = run(ScramClientSession.withPassword("s3cret"), new ScramServerSession(routerVerifier));

        ScramClientSession pool = ScramClientSession.withKeys(router.keys().orElseThrow(), routerVerifier);
        ScramServerSession postgres = new ScramServerSession(postgresVerifier);
        String serverFirst = postgres.handleClientFirst(pool.clientFirstMessage());

        assertThatThrownBy(() -> pool.handleServerFirst(serverFirst))
                .isInstanceOf(AuthenticationFailedException.class)
                .satisfies(e -> assertThat(((AuthenticationFailedException) e).reason()).isEqualTo(Reason.KEYS_NOT_USABLE));
    }

    @Test
    void clientDetectsServerThatDoesNotKnowTheServerKey() throws Exception {
        // An impostor with the StoredKey (enough to check proofs) but not the ServerKey.
        ScramVerifier real = ScramVerifier.fromPassword("s3cret", random);
        byte[] forgedServerKey = new byte[32];
        random.nextBytes(forgedServerKey);
        ScramVerifier impostor = new ScramVerifier(real.iterations(), real.salt(), real.storedKey(), forgedServerKey);

        ScramClientSession client = ScramClientSession.withPassword("s3cret");
        ScramServerSession server = new ScramServerSession(impostor);
        String serverFinal = server.handleClientFinal(client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage())));

        assertThatThrownBy(() -> client.verifyServerFinal(serverFinal))
                .isInstanceOf(AuthenticationFailedException.class)
                .satisfies(e -> assertThat(((AuthenticationFailedException) e).reason())
                        .isEqualTo(Reason.SERVER_NOT_VERIFIED));
    }

    @Test
    void nonAsciiPasswordMatchesPostgres() throws Exception {
        ScramVerifier verifier = ScramVerifier.parse(ScramVerifierTest.PG15_NON_ASCII);
        run(ScramClientSession.withPassword("pässwörd"), new ScramServerSession(verifier));
    }
}
