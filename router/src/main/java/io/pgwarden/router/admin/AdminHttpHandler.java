package io.pgwarden.router.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.pgwarden.router.metrics.RouterMetrics;
import io.pgwarden.router.routing.Router;
import io.pgwarden.router.routing.RoutingView;

import java.nio.charset.StandardCharsets;

/**
 * The admin HTTP endpoints: {@code GET /metrics} (Prometheus text format) and {@code GET /health}
 * (200 while the router has a primary to send writes to, 503 otherwise — what a load balancer in
 * front of several routers should check).
 */
@Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final RouterMetrics metrics;
    private final Router router;

    AdminHttpHandler(RouterMetrics metrics, Router router) {
        this.metrics = metrics;
        this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = request.uri().split("\\?", 2)[0];
        FullHttpResponse response;
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "only GET and HEAD\n");
        } else if (path.equals("/metrics")) {
            response = text(HttpResponseStatus.OK, PROMETHEUS_TEXT, metrics.scrape());
        } else if (path.equals("/health")) {
            response = health();
        } else {
            response = text(HttpResponseStatus.NOT_FOUND, "text/plain", "try /metrics or /health\n");
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse health() {
        RoutingView view = router.view();
        boolean writable = view.primary().isPresent();
        String body = "{\"status\":\"" + (writable ? "ok" : "no primary") + "\""
                + ",\"cluster\":\"" + view.topology().cluster() + "\""
                + ",\"leader\":\"" + view.keyHolderName() + "\""
                + ",\"dcs_reachable\":" + view.topology().dcsReachable()
                + ",\"readable_replicas\":" + view.readable().size() + "}\n";
        return text(writable ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json", body);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}
