package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.pool.auth.AuthenticationFailedException.Reason;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramClientSessionTest {

    private static ScramClientSession rfcPasswordClient() {
        return ScramClientSession.withPassword(Rfc7677.PASSWORD, "user", () -> Rfc7677.CLIENT_NONCE);
    }

    private static ScramClientSession rfcKeysClient(byte[] salt, int iterations) {
        return ScramClientSession.withKeys(Rfc7677.keys(), salt, iterations, "user", () -> Rfc7677.CLIENT_NONCE);
    }

    @Test
    void rfc7677ExchangeWithPassword() throws Exception {
        ScramClientSession client = rfcPasswordClient();

        assertThat(client.clientFirstMessage()).isEqualTo(Rfc7677.CLIENT_FIRST);
        assertThat(client.clientFirstMessage()).isEqualTo(Rfc7677.CLIENT_FIRST); // stable on repeat
        assertThat(client.handleServerFirst(Rfc7677.SERVER_FIRST)).isEqualTo(Rfc7677.CLIENT_FINAL);
        client.verifyServerFinal(Rfc7677.SERVER_FINAL);

        assertThat(client.isComplete()).isTrue();
    }

    @Test
    void rfc7677ExchangeWithKeys() throws Exception {
        ScramClientSession client = rfcKeysClient(Rfc7677.SALT, Rfc7677.ITERATIONS);

        assertThat(client.clientFirstMessage()).isEqualTo(Rfc7677.CLIENT_FIRST);
        assertThat(client.handleServerFirst(Rfc7677.SERVER_FIRST)).isEqualTo(Rfc7677.CLIENT_FINAL);
        client.verifyServerFinal(Rfc7677.SERVER_FINAL);

        assertThat(client.isComplete()).isTrue();
    }

    @Test
    void sendsAnEmptyUserNameByDefault() {
        String first = ScramClientSession.withPassword("pw").clientFirstMessage();
        assertThat(first).matches("n,,n=,r=[A-Za-z0-9+/]{24}");
    }

    @Test
    void escapesSaslNames() {
        assertThat(ScramClientSession.withPassword("pw", "a=b,c", () -> "nonce").clientFirstMessage())
                .isEqualTo("n,,n=a=3Db=2Cc,r=nonce");
    }

    @Test
    void keysForAnotherSaltAreNotUsable() throws Exception {
        ScramClientSession client = rfcKeysClient(new byte[16], Rfc7677.ITERATIONS);
        client.clientFirstMessage();
        assertFailure(() -> client.handleServerFirst(Rfc7677.SERVER_FIRST), Reason.KEYS_NOT_USABLE, "salt/iterations");
    }

    @Test
    void keysForAnotherIterationCountAreNotUsable() throws Exception {
        ScramClientSession client = rfcKeysClient(Rfc7677.SALT, 8192);
        client.clientFirstMessage();
        assertFailure(() -> client.handleServerFirst(Rfc7677.SERVER_FIRST), Reason.KEYS_NOT_USABLE, "i=4096");
    }

    @Test
    void wrongServerSignatureMeansTheServerIsNotVerified() throws Exception {
        ScramClientSession client = rfcPasswordClient();
        client.clientFirstMessage();
        client.handleServerFirst(Rfc7677.SERVER_FIRST);
        assertFailure(() -> client.verifyServerFinal("v=" + "A".repeat(43) + "="),
                Reason.SERVER_NOT_VERIFIED, "server signature is invalid");
        assertThat(client.isComplete()).isFalse();
    }

    @Test
    void serverErrorIsReported() throws Exception {
        ScramClientSession client = rfcPasswordClient();
        client.clientFirstMessage();
        client.handleServerFirst(Rfc7677.SERVER_FIRST);
        assertFailure(() -> client.verifyServerFinal("e=invalid-proof"), Reason.SERVER_REJECTED, "invalid-proof");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=%%%,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
        "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
    })
    void rejectsMalformedServerFirst(String message) {
        ScramClientSession client = rfcPasswordClient();
        client.clientFirstMessage();
        assertFailure(() -> client.handleServerFirst(message), Reason.PROTOCOL_VIOLATION, "SCRAM");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "v=%%%", "s=abc", "q=1,v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="})
    void rejectsMalformedServerFinal(String message) throws Exception {
        ScramClientSession client = rfcPasswordClient();
        client.clientFirstMessage();
        client.handleServerFirst(Rfc7677.SERVER_FIRST);
        assertFailure(() -> client.verifyServerFinal(message), Reason.PROTOCOL_VIOLATION, "malformed SCRAM message");
    }

    @Test
    void enforcesMessageOrder() throws Exception {
        ScramClientSession client = rfcPasswordClient();
        assertThatThrownBy(() -> client.handleServerFirst(Rfc7677.SERVER_FIRST))
                .isInstanceOf(IllegalStateException.class);
        client.clientFirstMessage();
        assertThatThrownBy(() -> client.verifyServerFinal(Rfc7677.SERVER_FINAL))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> client.handleServerFirst("garbage")).isInstanceOf(AuthenticationFailedException.class);
        assertThatThrownBy(() -> client.handleServerFirst(Rfc7677.SERVER_FIRST))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(client::clientFirstMessage).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keysAreRedactedAndCopied() {
        ScramKeys keys = Rfc7677.keys();
        keys.clientKey()[0] ^= 1;
        assertThat(keys).isEqualTo(Rfc7677.keys());
        assertThat(keys.toString()).doesNotContain(java.util.HexFormat.of().formatHex(Rfc7677.clientKey()).substring(0, 8));
        assertThatThrownBy(() -> new ScramKeys(new byte[31], new byte[32])).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertFailure(ThrowingCallable call, Reason reason, String text) {
        assertThatThrownBy(call)
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining(text)
                .satisfies(e -> assertThat(((AuthenticationFailedException) e).reason()).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(Rfc7677.PASSWORD, Rfc7677.PROOF));
    }
}
