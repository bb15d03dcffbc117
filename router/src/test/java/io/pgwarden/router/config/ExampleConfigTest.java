package io.pgwarden.router.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped example must stay loadable and must show the real defaults. */
class ExampleConfigTest {

    private static final Path EXAMPLE = Path.of("..", "conf", "router.yml");

    @Test
    void exampleConfigLoadsAndMatchesTheDefaults() {
        RouterConfig example = new ConfigLoader().load(EXAMPLE);
        RouterConfig defaults = new RouterConfig(null, null, null, null, null, null, null);

        assertThat(example.listen()).isEqualTo(defaults.listen());
        assertThat(example.pool()).isEqualTo(defaults.pool());
        assertThat(example.limits()).isEqualTo(defaults.limits());
        assertThat(example.routing()).isEqualTo(defaults.routing());
        assertThat(example.server()).isEqualTo(defaults.server());
        assertThat(example.tls()).isEqualTo(defaults.tls());
        assertThat(example.admin()).isEqualTo(defaults.admin());
        assertThat(example.auth().hba()).isEqualTo(defaults.auth().hba());
        assertThat(example.auth().file()).hasFileName("userlist.txt").exists();
        assertThat(example.topology().members()).hasSize(2);
        assertThat(example.pool().poolTimeout()).isEqualTo(Duration.ofSeconds(30));
    }
}
