package io.pgwarden.agent.config;

/** {@code host:port} as the config writes addresses. */
public final class HostPort {

    private HostPort() {
    }

    public static String host(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: '" + hostPort + "'");
        }
        return hostPort.substring(0, colon);
    }

    public static int port(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (colon <= 0 || port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not host:port with a port 1-65535: '" + hostPort + "'");
        }
    }
}
