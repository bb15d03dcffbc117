package io.pgwarden.router.auth;

import java.util.Locale;

/** How a client proves who it is, as pg_hba.conf names the methods. */
public enum AuthMethod {
    SCRAM_SHA_256("scram-sha-256"),
    MD5("md5"),
    TRUST("trust"),
    REJECT("reject");

    private final String configName;

    AuthMethod(String configName) {
        this.configName = configName;
    }

    public static AuthMethod parse(String text) {
        String wanted = text.toLowerCase(Locale.ROOT);
        for (AuthMethod method : values()) {
            if (method.configName.equals(wanted)) {
                return method;
            }
        }
        throw new IllegalArgumentException("method must be scram-sha-256, md5, trust or reject, got '" + text + "'");
    }

    @Override
    public String toString() {
        return configName;
    }
}
