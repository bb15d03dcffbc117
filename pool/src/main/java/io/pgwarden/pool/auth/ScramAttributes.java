package io.pgwarden.pool.auth;

import static io.pgwarden.pool.auth.AuthenticationFailedException.Reason.PROTOCOL_VIOLATION;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Parsing shared by both SCRAM halves. SCRAM messages are comma-separated {@code x=value}
 * attributes; no value may contain a comma (user names escape it as {@code =2C}), so a plain split
 * is exact. Error messages name the attribute, never its value.
 */
final class ScramAttributes {

    record Attribute(char name, String value) {
    }

    private ScramAttributes() {
    }

    static List<Attribute> parse(String text, String what) throws AuthenticationFailedException {
        if (text == null || text.isEmpty()) {
            throw malformed(what + " is empty");
        }
        List<Attribute> attributes = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.length() < 2 || part.charAt(1) != '=' || !isAsciiLetter(part.charAt(0))) {
                throw malformed(what + " has an attribute that is not of the form x=value");
            }
            attributes.add(new Attribute(part.charAt(0), part.substring(2)));
        }
        return attributes;
    }

    /** The attribute at {@code index}, which must be named {@code name}. */
    static String expect(List<Attribute> attributes, int index, char name, String what)
            throws AuthenticationFailedException {
        if (index >= attributes.size() || attributes.get(index).name() != name) {
            throw malformed(what + " lacks the '" + name + "=' attribute");
        }
        return attributes.get(index).value();
    }

    /** RFC 5802: a nonce is printable ASCII except ','. */
    static boolean isValidNonce(String nonce) {
        if (nonce == null || nonce.isEmpty()) {
            return false;
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                return false;
            }
        }
        return true;
    }

    static byte[] decodeBase64(String value, String what) throws AuthenticationFailedException {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw malformed(what + " is not valid base64");
        }
    }

    static AuthenticationFailedException malformed(String message) {
        return new AuthenticationFailedException(PROTOCOL_VIOLATION, "malformed SCRAM message: " + message);
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
