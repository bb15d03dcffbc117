package io.pgwarden.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.agent.loop.PeerReport;
import io.pgwarden.discovery.patroni.Lsn;
import io.pgwarden.discovery.patroni.MemberData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Asks the other members for their state over their REST APIs ({@code GET /patroni}), all at once. */
public final class PeerClient {

    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper mapper = new ObjectMapper();

    public PeerClient(Duration timeout) {
        this(timeout, java.util.Optional.empty());
    }

    /** With TLS files, peers on https:// are trusted by their CA and shown this node's certificate, as Patroni does. */
    public PeerClient(Duration timeout, java.util.Optional<io.pgwarden.agent.tls.TlsFiles> tls) {
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        tls.ifPresent(files -> builder.sslContext(files.clientContext()));
        this.http = builder.build();
    }

    public List<PeerReport> ask(Map<String, MemberData> members) {
        List<CompletableFuture<PeerReport>> answers = new ArrayList<>();
        members.forEach((name, data) -> answers.add(ask(name, data)));
        return answers.stream().map(CompletableFuture::join).toList();
    }

    private CompletableFuture<PeerReport> ask(String name, MemberData data) {
        if (data.apiUrl() == null) {
            return CompletableFuture.completedFuture(PeerReport.unreachable(name));
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(data.apiUrl())).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerReport.unreachable(name));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> parse(name, response.body()))
                .exceptionally(e -> PeerReport.unreachable(name));
    }

    PeerReport parse(String name, String body) {
        try {
            JsonNode node = mapper.readTree(body);
            String role = node.path("role").asText("");
            boolean running = "running".equals(node.path("state").asText(""));
            boolean primary = running && (role.equals("primary") || role.equals("master"));
            JsonNode xlog = node.path("xlog");
            long lsn = primary ? lsn(xlog.path("location"))
                    : Math.max(lsn(xlog.path("received_location")), lsn(xlog.path("replayed_location")));
            JsonNode tags = node.path("tags");
            int priority = tags.has("failover_priority") ? tags.path("failover_priority").asInt(1) : 1;
            boolean noFailover = tags.path("nofailover").asBoolean(false);
            boolean eligible = running && !primary && !noFailover && priority > 0;
            return new PeerReport(name, true, primary, eligible, lsn, priority, node.path("timeline").asLong(0));
        } catch (Exception e) {
            return PeerReport.unreachable(name);
        }
    }

    private static long lsn(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            return Lsn.parse(node.asText());
        }
        return 0;
    }
}
