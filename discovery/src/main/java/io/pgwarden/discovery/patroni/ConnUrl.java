package io.pgwarden.discovery.patroni;

import java.util.Locale;
import java.util.Objects;

/**
 * Host and port of a member's {@code conn_url} ({@code postgres://host:port/db}, also
 * {@code postgresql://}, with or without user info, IPv6 in brackets). The port defaults to 5432,
 * as libpq's does.
 */
public record ConnUrl(String host, int port) {

    public static final int DEFAULT_PORT = 5432;

    public ConnUrl {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * @throws IllegalArgumentException if it is not a {@code postgres://} or {@code postgresql://} URL
     *                                  with a host
     */
    public static ConnUrl parse(String url) {
        Objects.requireNonNull(url, "url");
        String lower = url.toLowerCase(Locale.ROOT);
        String rest;
        if (lower.startsWith("postgres://")) {
            rest = url.substring("postgres://".length());
        } else if (lower.startsWith("postgresql://")) {
            rest = url.substring("postgresql://".length());
        } else {
            throw new IllegalArgumentException("not a postgres:// URL: \"" + url + "\"");
        }
        int end = indexOfAny(rest, "/?#");
        String authority = end < 0 ? rest : rest.substring(0, end);
        int at = authority.lastIndexOf('@');
        String hostPort = at < 0 ? authority : authority.substring(at + 1);
        String host;
        String portText;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed IPv6 address in \"" + url + "\"");
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new IllegalArgumentException("garbage after IPv6 address in \"" + url + "\"");
            }
            portText = after.isEmpty() ? "" : after.substring(1);
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? "" : hostPort.substring(colon + 1);
        }
        if (host.isEmpty() || host.contains(",")) {
            throw new IllegalArgumentException("no single host in \"" + url + "\"");
        }
        int port;
        try {
            port = portText.isEmpty() ? DEFAULT_PORT : Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in \"" + url + "\"", e);
        }
        return new ConnUrl(host, port);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
