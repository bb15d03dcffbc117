package io.pgwarden.pool.auth;

import com.ongres.saslprep.SASLprep;
import com.ongres.stringprep.Profile;
import java.util.Objects;

/**
 * Prepares a password for SCRAM the way PostgreSQL does (its {@code pg_saslprep} and the callers
 * in the server and in libpq): SASLprep (RFC 4013) as a stored string, but the password as given
 * wherever SASLprep does not apply — pure ASCII is taken as is, and a password SASLprep refuses
 * (prohibited or unassigned code points, a bidi violation) or maps to nothing is used raw. So every
 * password that logs in direct logs in through the router, and NFKC-equivalent spellings
 * ("Ⅸ" and "IX", fullwidth and plain letters) are one password, as they are to PostgreSQL.
 *
 * <p>The profile itself is OnGres's, the one pgjdbc's SCRAM uses.
 */
public final class SaslPrep {

    private static final Profile SASLPREP = new SASLprep();

    private SaslPrep() {
    }

    /** The text whose UTF-8 bytes PostgreSQL feeds to PBKDF2 for {@code password}. */
    public static String prepare(String password) {
        Objects.requireNonNull(password, "password");
        if (isAscii(password)) {
            return password;
        }
        String prepared;
        try {
            prepared = SASLPREP.prepareStored(password);
        } catch (IllegalArgumentException | IndexOutOfBoundsException refused) {
            // IllegalArgumentException is SASLprep's refusal; stringprep 2.2 fails with an index error
            // on a password that maps to nothing. PostgreSQL uses the raw bytes in both cases.
            return password;
        }
        // PostgreSQL treats an empty result (all "mapped to nothing") as refused: raw bytes.
        return prepared.isEmpty() ? password : prepared;
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
