package io.pgwarden.agent.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.pgwarden.agent.tls.TlsFiles;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.discovery.patroni.PatroniCluster;
import io.pgwarden.discovery.patroni.PatroniJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agent's HTTP API on Patroni's paths and status codes (see docs/agent-rest.md). GET answers with
 * a body; HEAD and OPTIONS (HAProxy's {@code option httpchk OPTIONS /primary}) with the same status code
 * and no body. Those answers come from the snapshot {@code status} returns, which must not block: they
 * never wait on etcd or PostgreSQL, so a stuck store cannot make health checks time out. POST, PUT,
 * PATCH and DELETE go to the {@link ControlApi}, which may wait; they need its user when it has one,
 * and run a few at a time so health checks always find a thread. HTTPS with {@link TlsFiles}.
 */
public final class RestApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RestApi.class);

    /** A few threads suffice: every answer is computed from memory in microseconds. */
    private static final int THREADS = 8;
    /**
     * Control requests may wait for etcd or the HA loop; at most this many at once, so health checks
     * always find a free thread.
     */
    private static final int CONTROL_PERMITS = 3;
    private static final int MAX_BODY = 1 << 20;
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<NodeStatus> status;
    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final PatroniJson patroniJson = new PatroniJson();
    private final StatusJson statusJson = new StatusJson(mapper);
    private final ClusterJson clusterJson = new ClusterJson(mapper);
    private final ControlApi control; // null: control endpoints are not served
    private final TlsFiles.VerifyClient verifyClient;
    private final Semaphore controlPermits = new Semaphore(CONTROL_PERMITS);

    private RestApi(HttpServer server, ExecutorService executor, Supplier<NodeStatus> status,
                    PrometheusMeterRegistry registry, Clock clock, ControlApi control, TlsFiles.VerifyClient verifyClient) {
        this.server = server;
        this.executor = executor;
        this.status = status;
        this.registry = registry;
        this.clock = clock;
        this.control = control;
        this.verifyClient = verifyClient;
    }

    /**
     * Binds and starts serving.
     *
     * @param host     the address to listen on ({@code 0.0.0.0} for all)
     * @param port     0 for any free port (see {@link #port()})
     * @param status   the agent's latest snapshot; called on every request, so a volatile read
     * @param registry scraped by {@code /metrics}
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static RestApi start(String host, int port, Supplier<NodeStatus> status, PrometheusMeterRegistry registry) {
        return start(host, port, status, registry, Clock.systemUTC());
    }

    /** As {@link #start(String, int, Supplier, PrometheusMeterRegistry)}, with the clock {@code /liveness} reads. */
    public static RestApi start(String host, int port, Supplier<NodeStatus> status, PrometheusMeterRegistry registry,
                                Clock clock) {
        return start(host, port, Optional.empty(), status, registry, clock, null);
    }

    /**
     * Binds and starts serving, with the control endpoints and, with {@code tls}, over HTTPS.
     *
     * @param tls     certificate, key and client-certificate rules; empty for plain HTTP
     * @param control answers POST, PUT, PATCH and DELETE once they passed its authentication; null: 405
     * @throws UncheckedIOException     if the address cannot be bound
     * @throws IllegalArgumentException if the TLS files cannot be used
     */
    public static RestApi start(String host, int port, Optional<TlsFiles> tls, Supplier<NodeStatus> status,
                                PrometheusMeterRegistry registry, Clock clock, ControlApi control) {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(clock, "clock");
        HttpServer server;
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (tls.isPresent()) {
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(configurator(tls.get()));
                server = https;
            } else {
                server = HttpServer.create(address, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, threads());
        RestApi api = new RestApi(server, executor, status, registry, clock, control,
                tls.map(TlsFiles::verifyClient).orElse(TlsFiles.VerifyClient.NONE));
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        log.info("REST API listening on {}://{}:{}{}", tls.isPresent() ? "https" : "http", host, api.port(),
                control == null ? "" : control.authentication().isPresent()
                        ? ", control endpoints with basic authentication" : ", control endpoints open");
        return api;
    }

    private static HttpsConfigurator configurator(TlsFiles tls) {
        SSLContext context = tls.serverContext();
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                // optional: a certificate is asked for; the control endpoints then refuse requests without one.
                // Each setter clears the other: set only the one that applies.
                if (tls.verifyClient() == TlsFiles.VerifyClient.OPTIONAL) {
                    parameters.setWantClientAuth(true);
                } else if (tls.verifyClient() == TlsFiles.VerifyClient.REQUIRED) {
                    parameters.setNeedClientAuth(true);
                }
                params.setSSLParameters(parameters);
            }
        };
    }

    /** The port it listens on (the one picked when started with 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops listening at once; requests in flight are cut. */
    @Override
    public void close() {
        int port = port();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("REST API on port {} stopped", port);
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean withBody = method.equals("GET");
            // Every request's body is read before the answer, refused ones included: the JDK server
            // otherwise drains it at close, and over TLS an undrained body can leave the connection's
            // next request unanswered.
            byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                exchange.getResponseHeaders().set("Connection", "close");
                send(exchange, Response.text(413, "the body is larger than " + MAX_BODY + " bytes"), true);
                return;
            }
            if (control != null && CONTROL_METHODS.contains(method)) {
                send(exchange, control(exchange, method, body), true);
                return;
            }
            if (!withBody && !method.equals("HEAD") && !method.equals("OPTIONS")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD, OPTIONS");
                send(exchange, Response.text(405, "method not allowed\n"), true);
                return;
            }
            Response response;
            try {
                URI uri = exchange.getRequestURI();
                response = answer(path(uri.getRawPath()), Query.parse(uri.getRawQuery()));
            } catch (BadQueryException e) {
                response = Response.text(400, e.getMessage() + "\n");
            } catch (RuntimeException e) {
                log.warn("REST API failed on {} {}", method, exchange.getRequestURI(), e);
                response = Response.text(500, "internal error\n");
            }
            send(exchange, response, withBody);
        } catch (IOException e) {
            log.debug("REST API could not answer {}: {}", exchange.getRemoteAddress(), e.toString());
        }
    }

    private static final java.util.Set<String> CONTROL_METHODS = java.util.Set.of("POST", "PUT", "PATCH", "DELETE");

    /** Patroni's order: client certificate, then the user; then the endpoint, a few at a time. */
    private Response control(HttpExchange exchange, String method, byte[] body) {
        if (verifyClient != TlsFiles.VerifyClient.NONE && !hasClientCertificate(exchange)) {
            return Response.text(403, "client certificate required");
        }
        Optional<String> refusal = control.authentication()
                .flatMap(auth -> auth.refusal(exchange.getRequestHeaders().getFirst("Authorization")));
        if (refusal.isPresent()) {
            log.info("REST API refused {} {} from {}: {}", method, exchange.getRequestURI().getRawPath(),
                    exchange.getRemoteAddress().getAddress().getHostAddress(), refusal.get());
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + BasicAuth.REALM + "\"");
            return Response.text(401, refusal.get());
        }
        if (!controlPermits.tryAcquire()) {
            return Response.text(503, "too many control requests at once on this node; try again");
        }
        try {
            String path = path(exchange.getRequestURI().getRawPath());
            log.info("REST API: {} {} from {}", method, path, exchange.getRemoteAddress().getAddress().getHostAddress());
            ControlApi.Reply reply = control.handle(method, path, new String(body, StandardCharsets.UTF_8));
            return reply.json() ? Response.json(reply.code(), reply.body()) : Response.text(reply.code(), reply.body());
        } catch (RuntimeException e) {
            log.warn("REST API failed on {} {}", method, exchange.getRequestURI(), e);
            return Response.text(500, "internal error");
        } finally {
            controlPermits.release();
        }
    }

    private static boolean hasClientCertificate(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return false;
        }
        try {
            return https.getSSLSession().getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private Response answer(String path, Query query) {
        NodeStatus s = status.get();
        Optional<HealthCheck> check = HealthCheck.forPath(path);
        if (check.isPresent()) {
            int code = check.get().statusCode(s, query, clock.instant());
            return check.get().statusBody() ? Response.json(code, json(statusJson.write(s))) : Response.empty(code);
        }
        return switch (path) {
            case "/patroni" -> Response.json(200, json(statusJson.write(s)));
            case "/cluster" -> s.cluster()
                    .map(c -> Response.json(200, json(clusterJson.write(c, s.scope()))))
                    .orElseGet(RestApi::clusterNotRead);
            case "/history" -> s.cluster()
                    .map(c -> Response.json(200, patroniJson.writeHistory(c.history().orElse(List.of()))))
                    .orElseGet(RestApi::clusterNotRead);
            // Patroni answers 502 when the store holds no configuration.
            case "/config" -> s.cluster().flatMap(PatroniCluster::config)
                    .map(c -> Response.json(200, patroniJson.writeConfig(c)))
                    .orElseGet(() -> Response.text(502, "no configuration in the store\n"));
            case "/metrics" -> new Response(200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8));
            default -> Response.text(404, "not found\n");
        };
    }

    /** Before the agent's first read of the cluster there is nothing to show. */
    private static Response clusterNotRead() {
        return Response.text(503, "the cluster has not been read yet\n");
    }

    private String json(Object tree) {
        try {
            return mapper.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** {@code /primary/} is {@code /primary}, as Patroni routes on the first path segment. */
    private static String path(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        return rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    }

    private static void send(HttpExchange exchange, Response response, boolean withBody) throws IOException {
        if (!withBody || response.body().length == 0) {
            // -1: no body at all, which HAProxy's OPTIONS check and HEAD expect.
            exchange.sendResponseHeaders(response.code(), -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.code(), response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }

    private static ThreadFactory threads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "rest-api-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One answer: status code, content type, body (empty for none). */
    private record Response(int code, String contentType, byte[] body) {

        static Response json(int code, String json) {
            return new Response(code, JSON, json.getBytes(StandardCharsets.UTF_8));
        }

        static Response text(int code, String text) {
            return new Response(code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }

        static Response empty(int code) {
            return new Response(code, null, new byte[0]);
        }
    }

}
