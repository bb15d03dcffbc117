package io.pgwarden.router.auth;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.auth.AuthenticationFailedException;
import io.pgwarden.pool.auth.Md5Password;
import io.pgwarden.pool.auth.ScramServerSession;
import io.pgwarden.pool.auth.ScramVerifier;
import io.pgwarden.pool.auth.Secret;
import io.pgwarden.pool.protocol.PgMessage;
import io.pgwarden.pool.protocol.backend.Authentication;
import io.pgwarden.pool.protocol.frontend.PasswordMessage;
import io.pgwarden.pool.protocol.frontend.SaslInitialResponse;
import io.pgwarden.pool.protocol.frontend.SaslResponse;
import io.pgwarden.pool.server.ServerCredentials;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * One client's login exchange, as PostgreSQL runs it: SCRAM-SHA-256 or md5 against the user's
 * stored secret, or trust. An unknown user goes through the same exchange against a made-up
 * secret, so a failure never tells whether the user exists. On success it yields what the
 * router can use to log in to PostgreSQL on the client's behalf.
 */
public final class ClientAuthentication {

    private static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum Step { SASL_INITIAL, SASL_FINAL, MD5, DONE }

    private final String user;
    private final Optional<Secret> secret;
    private final CredentialStore store;
    private Step step;
    private ScramServerSession scram;
    private ScramVerifier scramVerifier;
    private byte[] md5Salt;

    private ClientAuthentication(String user, Optional<Secret> secret, CredentialStore store) {
        this.user = user;
        this.secret = secret;
        this.store = store;
    }

    /**
     * Starts a login; returns the exchange and, through {@link #firstRequest()}, the message to
     * send. For trust the exchange is already done.
     */
    public static ClientAuthentication start(AuthMethod method, String user, CredentialStore store) {
        ClientAuthentication auth = new ClientAuthentication(user, store.secretFor(user), store);
        // PostgreSQL answers md5 with SCRAM when the stored secret is a SCRAM verifier; so do we.
        boolean scram = method == AuthMethod.SCRAM_SHA_256
                || (method == AuthMethod.MD5 && auth.secret.orElse(null) instanceof Secret.ScramSecret);
        if (method == AuthMethod.TRUST) {
            auth.step = Step.DONE;
        } else if (scram) {
            auth.step = Step.SASL_INITIAL;
        } else {
            auth.step = Step.MD5;
            auth.md5Salt = new byte[4];
            RANDOM.nextBytes(auth.md5Salt);
        }
        return auth;
    }

    /** The first Authentication request to send, or empty when nothing needs proving. */
    public Optional<PgMessage> firstRequest() {
        return switch (step) {
            case SASL_INITIAL -> Optional.of(new Authentication.AuthenticationSasl(List.of(SCRAM_SHA_256)));
            case MD5 -> Optional.of(new Authentication.AuthenticationMd5Password(md5Salt));
            default -> Optional.empty();
        };
    }

    public boolean isDone() {
        return step == Step.DONE;
    }

    /**
     * Takes the payload of the client's 'p' message; returns the next request to send (empty once
     * the exchange succeeded), or throws when the proof is wrong or the message malformed.
     */
    public Optional<PgMessage> onPasswordMessage(ByteBuf payload) throws AuthenticationFailedException {
        switch (step) {
            case SASL_INITIAL -> {
                SaslInitialResponse initial = SaslInitialResponse.decode(payload);
                if (!SCRAM_SHA_256.equals(initial.mechanism())) {
                    throw new AuthenticationFailedException(AuthenticationFailedException.Reason.PROTOCOL_VIOLATION, "client selected an invalid SASL authentication mechanism");
                }
                scramVerifier = scramVerifier();
                scram = new ScramServerSession(scramVerifier);
                String serverFirst = scram.handleClientFirst(initial.data());
                step = Step.SASL_FINAL;
                return Optional.of(new Authentication.AuthenticationSaslContinue(serverFirst));
            }
            case SASL_FINAL -> {
                String serverFinal = scram.handleClientFinal(SaslResponse.decode(payload).data());
                if (secret.isEmpty()) {
                    throw failed();
                }
                step = Step.DONE;
                return Optional.of(new Authentication.AuthenticationSaslFinal(serverFinal));
            }
            case MD5 -> {
                String response = PasswordMessage.decode(payload).password();
                String stored = md5Secret();
                if (stored == null || !Md5Password.verify(stored, user, md5Salt, response)) {
                    throw failed();
                }
                step = Step.DONE;
                return Optional.empty();
            }
            default -> throw new AuthenticationFailedException(AuthenticationFailedException.Reason.PROTOCOL_VIOLATION, "unexpected password message");
        }
    }

    /** What the router may present to PostgreSQL for this user once the client is in. */
    public ServerCredentials serverCredentials() {
        Secret known = secret.orElse(null);
        if (known instanceof Secret.PlainPassword plain) {
            return new ServerCredentials.Password(plain.password());
        }
        if (known instanceof Secret.Md5Hash md5) {
            return new ServerCredentials.Md5Hash(md5.hash());
        }
        if (known instanceof Secret.ScramSecret && scram != null && scram.keys().isPresent()) {
            return new ServerCredentials.Scram(scram.keys().get(), scramVerifier);
        }
        return ServerCredentials.NONE;
    }

    private ScramVerifier scramVerifier() {
        Secret known = secret.orElse(null);
        if (known instanceof Secret.ScramSecret s) {
            return s.verifier();
        }
        if (known instanceof Secret.PlainPassword p) {
            return store.verifierFor(user, p.password());
        }
        // Unknown user, or an md5 hash that SCRAM cannot use: a verifier nobody can match.
        return ScramVerifier.fromPassword(Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong()), RANDOM);
    }

    private String md5Secret() {
        Secret known = secret.orElse(null);
        if (known instanceof Secret.PlainPassword p) {
            return p.password();
        }
        if (known instanceof Secret.Md5Hash h) {
            return h.hash();
        }
        return null;
    }

    private AuthenticationFailedException failed() {
        return new AuthenticationFailedException(AuthenticationFailedException.Reason.INVALID_CREDENTIALS, "password authentication failed for user \"" + user + "\"");
    }
}
