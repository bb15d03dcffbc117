package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ScramVerifierTest {

    /** From PostgreSQL 15: CREATE ROLE x PASSWORD 'postgres' with password_encryption=scram-sha-256. */
    static final String PG15_POSTGRES =
            "SCRAM-SHA-256$4096:JzaUc7CrRj2SXpBplkKkWg==$7vcGx3+F3k0ZuftDg5Vf4/b/0Otq0yzIriDT8gmYUiA="
            + ":M+tKkx0UyeS1N8MGMeo7rbD6IkJ4pPMFWIjHo1c2iFk=";
    /** From PostgreSQL 15 (UTF8 database): password 'pässwörd', which SASLprep leaves unchanged. */
    static final String PG15_NON_ASCII =
            "SCRAM-SHA-256$4096:wI6b/LUfvMz/38cWf5QO0A==$RlcCg1wfIqLeDmtHtBOPiDgGMcK88bua2eii/9D6Rw0="
            + ":FF9kiBuGRo04ZyPoackJSnA+s96uf0peoxI+UabZhRY=";

    @Test
    void parsesAndFormatsPostgresVerifier() {
        ScramVerifier verifier = ScramVerifier.parse(PG15_POSTGRES);

        assertThat(verifier.iterations()).isEqualTo(4096);
        assertThat(verifier.salt()).isEqualTo(Base64.getDecoder().decode("JzaUc7CrRj2SXpBplkKkWg=="));
        assertThat(verifier.storedKey()).hasSize(32);
        assertThat(verifier.serverKey()).hasSize(32);
        assertThat(verifier.format()).isEqualTo(PG15_POSTGRES);
    }

    @Test
    void derivesTheSameVerifierAsPostgres() {
        ScramVerifier fromPg = ScramVerifier.parse(PG15_POSTGRES);
        assertThat(ScramVerifier.fromPassword("postgres", fromPg.salt(), fromPg.iterations())).isEqualTo(fromPg);

        ScramVerifier nonAscii = ScramVerifier.parse(PG15_NON_ASCII);
        assertThat(ScramVerifier.fromPassword("pässwörd", nonAscii.salt(), nonAscii.iterations()).format())
                .isEqualTo(PG15_NON_ASCII);
    }

    @Test
    void rfc7677VerifierRoundTrips() {
        ScramVerifier verifier = Rfc7677.verifier();
        assertThat(ScramVerifier.parse(verifier.format())).isEqualTo(verifier);
        assertThat(verifier.format()).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
    }

    @Test
    void randomSaltVariantUsesPostgresDefaults() {
        ScramVerifier verifier = ScramVerifier.fromPassword("secret", new SecureRandom());
        assertThat(verifier.iterations()).isEqualTo(4096);
        assertThat(verifier.salt()).hasSize(16);
    }

    @Test
    void isImmutableAndComparesByContent() {
        ScramVerifier verifier = ScramVerifier.parse(PG15_POSTGRES);
        verifier.salt()[0] ^= 1;
        verifier.storedKey()[0] ^= 1;
        assertThat(verifier).isEqualTo(ScramVerifier.parse(PG15_POSTGRES));
        assertThat(verifier.hashCode()).isEqualTo(ScramVerifier.parse(PG15_POSTGRES).hashCode());
        assertThat(verifier).isNotEqualTo(ScramVerifier.fromPassword("other", verifier.salt(), 4096));
    }

    @Test
    void toStringHidesKeys() {
        ScramVerifier verifier = ScramVerifier.parse(PG15_POSTGRES);
        assertThat(verifier.toString())
                .contains("4096")
                .doesNotContain("7vcGx3", "M+tKkx0", "JzaUc7");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "md53175bce1d3201d16594cebf9d7eb3f9d",
        "SCRAM-SHA-256$",
        "SCRAM-SHA-256$4096:c2FsdA==",
        "SCRAM-SHA-256$abc:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "SCRAM-SHA-256$0:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "SCRAM-SHA-256$4096:$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "SCRAM-SHA-256$4096:c2FsdA==$!!notbase64!!:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "SCRAM-SHA-256$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$x",
        "SCRAM-SHA-256$4096:c2FsdA==:x$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    })
    void rejectsMalformedVerifiersWithoutEchoingThem(String text) {
        assertThatThrownBy(() -> ScramVerifier.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2FsdA", "AAAAAAAA", "3175bce1"));
    }
}
