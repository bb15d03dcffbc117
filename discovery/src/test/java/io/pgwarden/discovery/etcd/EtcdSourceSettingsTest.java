package io.pgwarden.discovery.etcd;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EtcdSourceSettingsTest {

    private static final List<URI> ENDPOINTS = List.of(URI.create("http://127.0.0.1:2379"));

    @Test
    void defaults() {
        EtcdSourceSettings s = EtcdSourceSettings.of(ENDPOINTS, "pg");
        assertThat(s.namespace()).isEqualTo("/service/");
        assertThat(s.keys().prefix()).isEqualTo("/service/pg/");
        assertThat(s.checkInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.isolationTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.checkAgainstTtl(Duration.ofSeconds(30))).isEmpty(); // Patroni's default ttl
    }

    @Test
    void rejectsWhatCannotWork() {
        assertThatThrownBy(() -> settings(List.of(), "pg", 1000, 5000)).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> settings(List.of(URI.create("localhost:2379")), "pg", 1000, 5000))
                .hasMessageContaining("http://");
        assertThatThrownBy(() -> settings(List.of(URI.create("ftp://127.0.0.1:2379")), "pg", 1000, 5000))
                .hasMessageContaining("https://");
        assertThatThrownBy(() -> settings(ENDPOINTS, "a/b", 1000, 5000)).hasMessageContaining("scope");
        assertThatThrownBy(() -> settings(ENDPOINTS, "pg", 0, 5000)).hasMessageContaining("check interval");
        assertThatThrownBy(() -> settings(ENDPOINTS, "pg", 1000, 1000)).hasMessageContaining("longer than");
    }

    @Test
    void acceptsHttps() {
        assertThat(settings(List.of(URI.create("https://127.0.0.1:2379")), "pg", 1000, 5000).endpoints())
                .containsExactly(URI.create("https://127.0.0.1:2379"));
    }

    @Test
    void isolationTimeoutMustStayBelowTheTtl() {
        assertThat(EtcdSourceSettings.checkAgainstTtl(Duration.ofSeconds(8), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .isEmpty();
        assertThat(EtcdSourceSettings.checkAgainstTtl(Duration.ofMillis(8001), Duration.ofSeconds(10),
                Duration.ofSeconds(2))).hasValueSatisfying(m -> assertThat(m)
                .contains("8001 ms").contains("10 s").contains("at most TTL - 2 s = 8 s"));
        assertThat(settings(ENDPOINTS, "pg", 1000, 10_000).checkAgainstTtl(Duration.ofSeconds(10))).isPresent();
    }

    private static EtcdSourceSettings settings(List<URI> endpoints, String scope, long checkMs, long isolationMs) {
        return new EtcdSourceSettings(endpoints, "/service/", scope, Duration.ofMillis(checkMs), Duration.ofMillis(isolationMs));
    }
}
