package io.pgwarden.router.admin;

import io.pgwarden.local.FreePorts;
import io.pgwarden.router.RouterFixture;
import io.pgwarden.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin HTTP port answers Prometheus scrapes and health checks from a live router. */
@Timeout(60)
class AdminHttpIT {

    private static RouterFixture fixture;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        int adminPort = FreePorts.next();
        fixture = RouterFixture.start(0, c -> new RouterConfig(c.listen(), c.topology(), c.auth(), c.pool(), c.limits(),
                c.routing(), c.server(), c.dcs(), new RouterConfig.Admin("127.0.0.1", adminPort)));
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.router().adminPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsShowClientsPoolsAndPinnedClientsInPrometheusFormat() throws Exception {
        try (Connection client = fixture.connect(fixture.primaryPort())) {
            client.createStatement().execute("select 1");
            HttpResponse<String> response = get("/metrics");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(response.body())
                    .contains("pgwarden_clients 1.0")
                    .contains("pgwarden_pool_server_connections{database=\"postgres\",node=\"pg0\",state=\"active\",user=\"postgres\"} 1.0")
                    .contains("pgwarden_pinned_clients{reason=\"listen\"} 0.0")
                    .contains("pgwarden_fenced_clients_total 0.0");
        }
    }

    @Test
    void healthIsOkWhileThereIsAPrimaryAndUnknownPathsAre404() throws Exception {
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"", "\"leader\":\"pg0\"");
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }
}
