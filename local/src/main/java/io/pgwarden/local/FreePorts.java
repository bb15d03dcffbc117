package io.pgwarden.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Free TCP ports on 127.0.0.1 for servers started by tests and the demo. */
public final class FreePorts {

    /*
     * Ports come from below the kernel's ephemeral range (32768+ on Linux): a port handed out there
     * could be taken as the local port of some outgoing connection before our server binds it.
     */
    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;

    /*
     * Static mutable state, on purpose: a cursor walking the range so that one JVM never hands out
     * the same port twice (until it wraps after ~12000 ports), even when the first server has not
     * bound its port yet. The random start keeps concurrent JVMs (parallel builds) apart.
     */
    private static final AtomicInteger CURSOR = new AtomicInteger(ThreadLocalRandom.current().nextInt(HIGH - LOW));

    private static final int[] EPHEMERAL = ephemeralRange();

    private static final InetAddress LOOPBACK = loopback();

    private FreePorts() {
    }

    /** A port that nothing listens on now and that this JVM has not handed out before. */
    public static int next() {
        for (int attempt = 0; attempt < HIGH - LOW; attempt++) {
            int port = LOW + Math.floorMod(CURSOR.getAndIncrement(), HIGH - LOW);
            if ((port < EPHEMERAL[0] || port > EPHEMERAL[1]) && isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free TCP port on 127.0.0.1 between " + LOW + " and " + HIGH);
    }

    /** Whether a server could bind {@code port} on 127.0.0.1 right now. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] ephemeralRange() {
        try {
            String[] parts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32_768, 60_999};
        }
    }
}
