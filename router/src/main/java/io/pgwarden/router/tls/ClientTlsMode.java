package io.pgwarden.router.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How a listener answers a client's SSLRequest. */
public enum ClientTlsMode {
    /** 'N': the client goes on in plain text, or gives up if it insists on TLS. */
    DISABLE,
    /** 'S' and a TLS handshake; clients that do not ask for TLS are accepted too. */
    ALLOW,
    /** 'S' and a TLS handshake; a login without TLS is refused (28000). */
    REQUIRE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(ClientTlsMode::configName).toList();
    }

    /** @throws IllegalArgumentException naming the valid values */
    public static ClientTlsMode parse(String name) {
        for (ClientTlsMode mode : values()) {
            if (mode.configName().equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("must be one of " + configNames() + ", got '" + name + "'");
    }
}
