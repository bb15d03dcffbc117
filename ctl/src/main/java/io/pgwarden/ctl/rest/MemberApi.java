package io.pgwarden.ctl.rest;

import io.pgwarden.ctl.connect.RestAccess;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Calls a member's REST API (Patroni's, or a pgwarden agent's): {@code POST /switchover} to the
 * leader, {@code PATCH /config}, {@code POST /restart}, ... The member's {@code api_url} names its
 * status page ({@code http://host:8008/patroni}); an endpoint is that URL with the last path segment
 * replaced, as Patroni builds it.
 */
public final class MemberApi {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http;
    private final Optional<String> authorization;
    private final Duration timeout;

    /**
     * @param timeout how long one request may take; a switchover answers only once it is done
     */
    public MemberApi(RestAccess access, Duration timeout) {
        Objects.requireNonNull(access, "access");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        if (access.insecure()) {
            builder.sslContext(TlsContexts.trustingAnything());
        } else if (access.cacert().isPresent()) {
            SSLContext context = TlsContexts.trusting(access.cacert().get());
            builder.sslContext(context);
        }
        this.http = builder.build();
        this.authorization = access.auth().map(a -> "Basic "
                + Base64.getEncoder().encodeToString(a.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code http://h:8008/patroni} + {@code switchover} = {@code http://h:8008/switchover}. */
    public static URI endpoint(String apiUrl, String path) {
        String base = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        int slash = base.lastIndexOf('/');
        int authorityEnd = base.indexOf("://") < 0 ? -1 : base.indexOf('/', base.indexOf("://") + 3);
        String root = authorityEnd < 0 || slash < authorityEnd ? base : base.substring(0, slash);
        return URI.create(root + "/" + path);
    }

    /**
     * Sends one request; {@code body} is JSON or empty.
     *
     * @throws MemberUnreachableException when no HTTP answer came back
     */
    public ApiResponse send(String method, String apiUrl, String path, Optional<String> body)
            throws MemberUnreachableException {
        URI uri;
        try {
            uri = endpoint(apiUrl, path);
        } catch (IllegalArgumentException e) {
            throw new MemberUnreachableException("bad api_url '" + apiUrl + "'", e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body.map(b -> HttpRequest.BodyPublishers.ofString(b, StandardCharsets.UTF_8))
                        .orElse(HttpRequest.BodyPublishers.noBody()));
        body.ifPresent(b -> request.header("Content-Type", "application/json"));
        authorization.ifPresent(a -> request.header("Authorization", a));
        try {
            HttpResponse<String> response = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new ApiResponse(response.statusCode(), response.body().strip());
        } catch (IOException e) {
            throw new MemberUnreachableException(method + " " + uri + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MemberUnreachableException(method + " " + uri + ": interrupted", e);
        }
    }

    private String describe(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer within " + timeout.toSeconds() + " s";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS failed: " + e.getMessage();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName() + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
        }
        return message;
    }
}
