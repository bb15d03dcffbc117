package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.pool.auth.AuthenticationFailedException.Reason;
import java.util.Base64;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramServerSessionTest {

    private static ScramServerSession rfcSession() {
        return new ScramServerSession(Rfc7677.verifier(), () -> Rfc7677.SERVER_NONCE);
    }

    @Test
    void rfc7677Exchange() throws Exception {
        ScramServerSession session = rfcSession();

        assertThat(session.handleClientFirst(Rfc7677.CLIENT_FIRST)).isEqualTo(Rfc7677.SERVER_FIRST);
        assertThat(session.clientKey()).isEmpty();
        assertThat(session.handleClientFinal(Rfc7677.CLIENT_FINAL)).isEqualTo(Rfc7677.SERVER_FINAL);

        assertThat(session.isComplete()).isTrue();
        assertThat(session.clientKey()).hasValueSatisfying(key -> assertThat(key).isEqualTo(Rfc7677.clientKey()));
        assertThat(session.keys()).contains(Rfc7677.keys());
    }

    @Test
    void ignoresTheUserNameAndExtensions() throws Exception {
        ScramServerSession session = rfcSession();
        String reply = session.handleClientFirst("n,,n=someone=2Celse,r=" + Rfc7677.CLIENT_NONCE + ",x=ext");
        assertThat(reply).isEqualTo(Rfc7677.SERVER_FIRST);
    }

    @Test
    void acceptsClientThatSupportsChannelBindingButSawNoPlus() throws Exception {
        // "y,,": the client could bind but believes we cannot; true, we never advertise -PLUS.
        ScramServerSession session = rfcSession();
        String serverFirst = session.handleClientFirst("y,,n=user,r=" + Rfc7677.CLIENT_NONCE);
        String withoutProof = "c=eSws,r=" + Rfc7677.CLIENT_NONCE + Rfc7677.SERVER_NONCE; // eSws = base64("y,,")
        String authMessage = "n=user,r=" + Rfc7677.CLIENT_NONCE + "," + serverFirst + "," + withoutProof;
        byte[] clientKey = Rfc7677.clientKey();
        byte[] proof = ScramSha256.xor(clientKey, ScramSha256.hmac(ScramSha256.storedKey(clientKey), authMessage));

        String serverFinal = session.handleClientFinal(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));

        assertThat(serverFinal).startsWith("v=");
        assertThat(session.isComplete()).isTrue();
    }

    @Test
    void channelBindingMustRepeatTheGs2Header() throws Exception {
        // A downgrade from "y" to "n" (or back) in transit shows up as a c= mismatch.
        ScramServerSession session = rfcSession();
        session.handleClientFirst("y,,n=user,r=" + Rfc7677.CLIENT_NONCE);
        assertFinalFails(session, Rfc7677.CLIENT_FINAL, Reason.PROTOCOL_VIOLATION, "channel binding");

        ScramServerSession other = rfcSession();
        other.handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertFinalFails(other, Rfc7677.CLIENT_FINAL.replace("c=biws", "c=eSws"),
                Reason.PROTOCOL_VIOLATION, "channel binding");
    }

    @Test
    void rejectsChannelBindingRequests() {
        assertFirstFails(rfcSession(), "p=tls-server-end-point,,n=,r=" + Rfc7677.CLIENT_NONCE,
                Reason.PROTOCOL_VIOLATION, "channel binding");
    }

    @Test
    void rejectsAuthorizationIdentityAndMandatoryExtensions() {
        assertFirstFails(rfcSession(), "n,a=admin,n=,r=" + Rfc7677.CLIENT_NONCE,
                Reason.PROTOCOL_VIOLATION, "authorization identity");
        assertFirstFails(rfcSession(), "n,,m=ext,n=,r=" + Rfc7677.CLIENT_NONCE,
                Reason.PROTOCOL_VIOLATION, "mandatory extensions");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "n",
        "n,",
        "n,,",
        "x,,n=,r=abc",
        "n,x,n=,r=abc",
        "n,,r=abc",
        "n,,n=user",
        "n,,n=user,r=",
        "n,,n=user,r=has space",
        "n,,n=user,nonce",
        "n,,n=user,r=abc,",
        "SCRAM-SHA-256",
    })
    void rejectsMalformedClientFirst(String message) {
        assertFirstFails(rfcSession(), message, Reason.PROTOCOL_VIOLATION, "malformed SCRAM message");
    }

    @Test
    void wrongProofIsInvalidCredentialsAndNotLogged() throws Exception {
        ScramServerSession session = new ScramServerSession(
                ScramVerifier.fromPassword("not pencil", Rfc7677.SALT, 4096), () -> Rfc7677.SERVER_NONCE);
        session.handleClientFirst(Rfc7677.CLIENT_FIRST);

        assertFinalFails(session, Rfc7677.CLIENT_FINAL, Reason.INVALID_CREDENTIALS, "SCRAM client proof is invalid");
        assertThat(session.isComplete()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "c=biws",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=***",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
        "c=%%%,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    })
    void rejectsMalformedClientFinal(String message) throws Exception {
        ScramServerSession session = rfcSession();
        session.handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertFinalFails(session, message, Reason.PROTOCOL_VIOLATION, "malformed SCRAM message");
    }

    @Test
    void rejectsNonceThatIsNotTheSessions() throws Exception {
        ScramServerSession session = rfcSession();
        session.handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertFinalFails(session, Rfc7677.CLIENT_FINAL.replace("k0,p=", "k1,p="), Reason.PROTOCOL_VIOLATION, "nonce");
    }

    @Test
    void enforcesMessageOrder() throws Exception {
        ScramServerSession session = rfcSession();
        assertThatThrownBy(() -> session.handleClientFinal(Rfc7677.CLIENT_FINAL))
                .isInstanceOf(IllegalStateException.class);

        session.handleClientFirst(Rfc7677.CLIENT_FIRST);
        assertThatThrownBy(() -> session.handleClientFirst(Rfc7677.CLIENT_FIRST))
                .isInstanceOf(IllegalStateException.class);

        ScramServerSession failed = rfcSession();
        assertThatThrownBy(() -> failed.handleClientFirst("garbage")).isInstanceOf(AuthenticationFailedException.class);
        assertThatThrownBy(() -> failed.handleClientFinal(Rfc7677.CLIENT_FINAL))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesAnInvalidServerNonce() {
        ScramServerSession session = new ScramServerSession(Rfc7677.verifier(), () -> "has,comma");
        assertThatThrownBy(() -> session.handleClientFirst(Rfc7677.CLIENT_FIRST))
                .isInstanceOf(IllegalStateException.class);
    }

    private static void assertFirstFails(ScramServerSession session, String message, Reason reason, String text) {
        assertFailure(() -> session.handleClientFirst(message), reason, text);
    }

    private static void assertFinalFails(ScramServerSession session, String message, Reason reason, String text) {
        assertFailure(() -> session.handleClientFinal(message), reason, text);
        assertThat(session.clientKey()).isEmpty();
    }

    private static void assertFailure(ThrowingCallable call, Reason reason, String text) {
        assertThatThrownBy(call)
                .isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining(text)
                .satisfies(e -> assertThat(((AuthenticationFailedException) e).reason()).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("dHzbZapW", Rfc7677.CLIENT_NONCE));
    }
}
