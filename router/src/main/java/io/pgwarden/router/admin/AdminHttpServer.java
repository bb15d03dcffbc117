package io.pgwarden.router.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;

import java.net.InetSocketAddress;

/** Serves {@link AdminHttpHandler} on the admin port, on the router's own event loops. */
public final class AdminHttpServer implements AutoCloseable {

    private static final int MAX_REQUEST = 16 * 1024;

    private final Channel channel;

    private AdminHttpServer(Channel channel) {
        this.channel = channel;
    }

    public static AdminHttpServer start(String host, int port, EventLoopGroup acceptors, EventLoopGroup workers,
                                        Class<? extends ServerChannel> channelType, RouterMetrics metrics, Router router)
            throws InterruptedException {
        AdminHttpHandler handler = new AdminHttpHandler(metrics, router);
        Channel channel = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(channelType)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_REQUEST))
                                .addLast(handler);
                    }
                })
                .bind(new InetSocketAddress(host, port)).sync().channel();
        return new AdminHttpServer(channel);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
