package io.pgwarden.agent.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
 * and no body. Every answer comes from the snapshot {@code status} returns, which must not block: a
 * request never waits on etcd or PostgreSQL, so a stuck store cannot make health checks time out.
 */
public final class RestApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RestApi.class);

    /** A few threads suffice: every answer is computed from memory in microseconds. */
    private static final int THREADS = 4;
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<NodeStatus> status;
    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final List<ControlEndpoint> controls;
    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final PatroniJson patroniJson = new PatroniJson();
    private final StatusJson statusJson = new StatusJson(mapper);
    private final ClusterJson clusterJson = new ClusterJson(mapper);

    private RestApi(HttpServer server, ExecutorService executor, Supplier<NodeStatus> status,
                    PrometheusMeterRegistry registry, Clock clock, List<ControlEndpoint> controls) {
        this.server = server;
        this.controls = List.copyOf(controls);
        this.executor = executor;
        this.status = status;
        this.registry = registry;
        this.clock = clock;
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
        return start(host, port, status, registry, clock, List.of());
    }

    /** As {@link #start(String, int, Supplier, PrometheusMeterRegistry, Clock)}, serving {@code controls} too. */
    public static RestApi start(String host, int port, Supplier<NodeStatus> status, PrometheusMeterRegistry registry,
                                Clock clock, List<ControlEndpoint> controls) {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(clock, "clock");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, threads());
        RestApi api = new RestApi(server, executor, status, registry, clock, controls);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        log.info("REST API listening on {}:{}", host, api.port());
        return api;
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
            String controlPath = path(exchange.getRequestURI().getRawPath());
            Optional<ControlEndpoint> control = controls.stream().filter(c -> c.serves(method, controlPath)).findFirst();
            if (control.isPresent()) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                ControlEndpoint.Answer answer = control.get().answer(method, controlPath, body);
                send(exchange, Response.text(answer.code(), answer.text() + "\n"), true);
                return;
            }
            boolean withBody = method.equals("GET");
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
