package io.pgwarden.router.listener;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops and matching channel types of one Netty transport: io_uring or epoll (native,
 * Linux) or NIO (anywhere). Clients and server connections share it, so a client and its server
 * can live on one loop.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannelType,
                        Class<? extends SocketChannel> channelType) {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /**
     * The transport {@code listen.transport} asks for. {@code auto} takes the first of io_uring,
     * epoll and NIO this system offers, saying in one line why it passed over any; a native
     * transport asked for by name that is not available is an error, never a silent fallback.
     */
    public static Transport of(TransportChoice choice) {
        return of(choice, NativeSupport.detect());
    }

    static Transport of(TransportChoice choice, NativeSupport system) {
        return switch (choice) {
            case IO_URING -> {
                requireAvailable("io_uring", system.ioUring(), system.ioUringCause());
                yield ioUring();
            }
            case EPOLL -> {
                requireAvailable("epoll", system.epoll(), system.epollCause());
                yield epoll();
            }
            case NIO -> nio();
            case AUTO -> auto(system);
        };
    }

    private static Transport auto(NativeSupport system) {
        if (system.ioUring()) {
            return ioUring();
        }
        String noUring = "io_uring is not available (" + why(system.ioUringCause()) + ")";
        if (system.epoll()) {
            log.info("listen.transport auto: {}; using epoll", noUring);
            return epoll();
        }
        log.info("listen.transport auto: {}, nor is epoll ({}); using nio", noUring, why(system.epollCause()));
        return nio();
    }

    /** What this system offers of the native transports, and why not where it does not. */
    record NativeSupport(boolean ioUring, Throwable ioUringCause, boolean epoll, Throwable epollCause) {

        static NativeSupport detect() {
            return new NativeSupport(IoUring.isAvailable(), IoUring.unavailabilityCause(), Epoll.isAvailable(),
                    Epoll.unavailabilityCause());
        }
    }

    private static void requireAvailable(String name, boolean available, Throwable cause) {
        if (!available) {
            throw new IllegalStateException(name + " is not available on this system: " + why(cause)
                    + " (auto would fall back)");
        }
    }

    private static String why(Throwable cause) {
        if (cause == null) {
            return "no reason given";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                ioHandlerFactory);
    }
}
