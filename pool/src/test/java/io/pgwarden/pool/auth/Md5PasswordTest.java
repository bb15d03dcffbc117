package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Md5PasswordTest {

    private static final byte[] SALT = {1, 2, 3, 4};

    @Test
    void hashMatchesPostgres() {
        assertThat(Md5Password.hash("postgres", "postgres")).isEqualTo("md53175bce1d3201d16594cebf9d7eb3f9d");
        // From PostgreSQL 15: password_encryption=md5; CREATE ROLE postgres2 PASSWORD 'postgres'.
        assertThat(Md5Password.hash("postgres2", "postgres")).isEqualTo("md5f2f8915a1d20bb8dcb940115f5bf3c05");
    }

    @Test
    void responseHashesTheHexPartWithTheSalt() {
        // Expected values computed independently: md5(b"3175bce1d3201d16594cebf9d7eb3f9d" + salt).
        assertThat(Md5Password.response("md53175bce1d3201d16594cebf9d7eb3f9d", SALT))
                .isEqualTo("md568be9ed08db75f318087ab337aaea044");
        assertThat(Md5Password.response("md53175bce1d3201d16594cebf9d7eb3f9d",
                new byte[] {(byte) 0x93, 0x1f, (byte) 0xff, 0x00}))
                .isEqualTo("md597344601dba8c4628a3cee2097720300");
    }

    @Test
    void verifiesAgainstPlainOrHashedSecret() {
        String response = "md568be9ed08db75f318087ab337aaea044";

        assertThat(Md5Password.verify("postgres", "postgres", SALT, response)).isTrue();
        assertThat(Md5Password.verify("md53175bce1d3201d16594cebf9d7eb3f9d", "postgres", SALT, response)).isTrue();

        assertThat(Md5Password.verify("postgres", "other", SALT, response)).isFalse();
        assertThat(Md5Password.verify("wrong", "postgres", SALT, response)).isFalse();
        assertThat(Md5Password.verify("postgres", "postgres", new byte[] {4, 3, 2, 1}, response)).isFalse();
        assertThat(Md5Password.verify("postgres", "postgres", SALT, response.toUpperCase())).isFalse();
        assertThat(Md5Password.verify("postgres", "postgres", SALT, "")).isFalse();
        assertThat(Md5Password.verify("postgres", "postgres", SALT, null)).isFalse();
    }

    @Test
    void recognisesOnlyLowercaseHashes() {
        assertThat(Md5Password.isHash("md53175bce1d3201d16594cebf9d7eb3f9d")).isTrue();
        assertThat(Md5Password.isHash("md53175BCE1D3201D16594CEBF9D7EB3F9D")).isFalse();
        assertThat(Md5Password.isHash("md53175bce1d3201d16594cebf9d7eb3f9")).isFalse();
        assertThat(Md5Password.isHash("postgres")).isFalse();
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Md5Password.response("postgres", SALT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Md5Password.response("md53175bce1d3201d16594cebf9d7eb3f9d", new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
