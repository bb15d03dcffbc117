package io.pgwarden.pool.auth;

import java.util.Base64;

/** The SCRAM-SHA-256 example exchange from RFC 7677 section 3 (user "user", password "pencil"). */
final class Rfc7677 {

    static final String PASSWORD = "pencil";
    static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    static final int ITERATIONS = 4096;

    static final String CLIENT_FIRST = "n,,n=user,r=" + CLIENT_NONCE;
    static final String SERVER_FIRST =
            "r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL_WITHOUT_PROOF = "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE;
    static final String PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String CLIENT_FINAL = CLIENT_FINAL_WITHOUT_PROOF + ",p=" + PROOF;
    static final String SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    static final String SERVER_FINAL = "v=" + SERVER_SIGNATURE;

    private Rfc7677() {
    }

    static ScramVerifier verifier() {
        return ScramVerifier.fromPassword(PASSWORD, SALT, ITERATIONS);
    }

    static byte[] clientKey() {
        return ScramSha256.clientKey(ScramSha256.saltedPassword(PASSWORD, SALT, ITERATIONS));
    }

    static ScramKeys keys() {
        byte[] salted = ScramSha256.saltedPassword(PASSWORD, SALT, ITERATIONS);
        return new ScramKeys(ScramSha256.clientKey(salted), ScramSha256.serverKey(salted));
    }
}
