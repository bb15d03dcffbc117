package io.pgwarden.router.listener;

import java.util.Arrays;
import java.util.List;

/** {@code listen.transport}: which Netty transport the router's sockets use. */
public enum TransportChoice {
    /** io_uring where the kernel allows it, else epoll, else NIO. */
    AUTO("auto"),
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    private final String configName;

    TransportChoice(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static TransportChoice parse(String name) {
        for (TransportChoice choice : values()) {
            if (choice.configName.equals(name)) {
                return choice;
            }
        }
        throw new IllegalArgumentException("must be one of " + configNames() + ", got '" + name + "'");
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(TransportChoice::configName).toList();
    }
}
