package io.pgwarden.pool.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How the router asks PostgreSQL for TLS; names and meanings as libpq's {@code sslmode}. */
public enum ServerTlsMode {
    /** Never asks: plain TCP, no extra round trip. */
    DISABLE,
    /** Asks; TLS if the server agrees, plain if it declines. The certificate is not checked. */
    PREFER,
    /** TLS or no connection. The certificate is not checked. */
    REQUIRE,
    /** TLS, with the server's chain checked against the CA and its name against the host connected to. */
    VERIFY_FULL;

    /** The name as written in the config ({@code verify-full}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(ServerTlsMode::configName).toList();
    }

    /** @throws IllegalArgumentException naming the valid values */
    public static ServerTlsMode parse(String name) {
        for (ServerTlsMode mode : values()) {
            if (mode.configName().equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("must be one of " + configNames() + ", got '" + name + "'");
    }
}
