package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ScramSha256Test {

    @Test
    void primitivesReproduceRfc7677ProofAndSignature() {
        byte[] salted = ScramSha256.saltedPassword(Rfc7677.PASSWORD, Rfc7677.SALT, Rfc7677.ITERATIONS);
        byte[] clientKey = ScramSha256.clientKey(salted);
        byte[] serverKey = ScramSha256.serverKey(salted);
        String authMessage = Rfc7677.CLIENT_FIRST.substring(3) + "," + Rfc7677.SERVER_FIRST + ","
                + Rfc7677.CLIENT_FINAL_WITHOUT_PROOF;

        byte[] proof = ScramSha256.xor(clientKey, ScramSha256.hmac(ScramSha256.storedKey(clientKey), authMessage));
        byte[] signature = ScramSha256.hmac(serverKey, authMessage);

        assertThat(Base64.getEncoder().encodeToString(proof)).isEqualTo(Rfc7677.PROOF);
        assertThat(Base64.getEncoder().encodeToString(signature)).isEqualTo(Rfc7677.SERVER_SIGNATURE);
    }

    @Test
    void saltedPasswordIsPbkdf2HmacSha256() {
        // RFC 7914 section 11 PBKDF2-HMAC-SHA-256 vector (P="passwd", S="salt", c=1), first 32 bytes.
        byte[] out = ScramSha256.saltedPassword("passwd", "salt".getBytes(), 1);
        assertThat(HexFormat.of().formatHex(out))
                .isEqualTo("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    }

    @Test
    void storedKeyIsSha256OfClientKey() {
        assertThat(HexFormat.of().formatHex(ScramSha256.storedKey("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void xorRequiresEqualLengths() {
        assertThat(ScramSha256.xor(new byte[] {0x0f, 0x55}, new byte[] {(byte) 0xf0, 0x55}))
                .containsExactly((byte) 0xff, 0x00);
        assertThatThrownBy(() -> ScramSha256.xor(new byte[1], new byte[2]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsUnusableParameters() {
        assertThatThrownBy(() -> ScramSha256.saltedPassword("p", new byte[0], 4096))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramSha256.saltedPassword("p", new byte[16], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
