package io.pgwarden.pool.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Password preparation as PostgreSQL's pg_saslprep and its callers do it. */
class SaslPrepTest {

    @Test
    void asciiIsTakenAsIsEvenWhereSaslPrepWouldRefuseIt() {
        assertThat(SaslPrep.prepare("postgres")).isEqualTo("postgres");
        // SASLprep prohibits ASCII control characters; PostgreSQL never asks it about ASCII.
        assertThat(SaslPrep.prepare("bell\u0007")).isEqualTo("bell\u0007");
    }

    @Test
    void compatibilityFormsNormaliseToOnePassword() {
        assertThat(SaslPrep.prepare("\u2168-pw")).isEqualTo("IX-pw");                  // ROMAN NUMERAL NINE
        assertThat(SaslPrep.prepare("\uFF50\uFF41\uFF53\uFF53")).isEqualTo("pass");      // fullwidth letters
        assertThat(SaslPrep.prepare("pa\u00ADss")).isEqualTo("pass");                    // soft hyphen: mapped to nothing
        assertThat(SaslPrep.prepare("p\u00A0w\u00E9")).isEqualTo("p w\u00E9");           // non-ASCII space
        assertThat(SaslPrep.prepare("e\u0301t\u00E9")).isEqualTo("\u00E9t\u00E9");        // composed by NFKC
    }

    @Test
    void refusedPasswordsAreUsedRaw() {
        // Private use (prohibited): the raw text, fullwidth letter and all.
        assertThat(SaslPrep.prepare("\uFF50w\uE000")).isEqualTo("\uFF50w\uE000");
        // U+0221 was unassigned in Unicode 3.2, SASLprep's table.
        assertThat(SaslPrep.prepare("\uFF50w\u0221")).isEqualTo("\uFF50w\u0221");
        // Only mapped-to-nothing characters: PostgreSQL refuses the empty result and keeps the raw bytes.
        assertThat(SaslPrep.prepare("\u00AD\u200B")).isEqualTo("\u00AD\u200B");
    }

    @Test
    void verifierMatchesPostgresForAPasswordSaslPrepRewrites() {
        // From PostgreSQL 15 (UTF8 database): CREATE ROLE x PASSWORD U&'\2168-pw'.
        ScramVerifier fromPg = ScramVerifier.parse(PG15_ROMAN_NINE);
        assertThat(ScramVerifier.fromPassword("\u2168-pw", fromPg.salt(), fromPg.iterations())).isEqualTo(fromPg);
        assertThat(ScramVerifier.fromPassword("IX-pw", fromPg.salt(), fromPg.iterations())).isEqualTo(fromPg);
        assertThat(ScramVerifier.fromPassword("IX-PW", fromPg.salt(), fromPg.iterations())).isNotEqualTo(fromPg);
    }

    static final String PG15_ROMAN_NINE =
            "SCRAM-SHA-256$4096:+Iw1ZdgBwdrWAP0HYUYZNg==$OIi80SrllFUfP7BVS1lqeedBO0w86AXSC9GCrPqcLZQ="
            + ":XkydKWyGNT990/12qGTsjzu7eBFcvLQUMosKu9bFWMY=";
}
