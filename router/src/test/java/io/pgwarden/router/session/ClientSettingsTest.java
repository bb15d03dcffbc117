package io.pgwarden.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.pool.protocol.backend.ParameterStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A client's settings follow what it changes itself, and equal settings share one snapshot. */
class ClientSettingsTest {

    private final ClientRegistry registry = new ClientRegistry();

    private ClientSettings settings(Map<String, String> startup) {
        return new ClientSettings(startup, registry::canonicalSettings);
    }

    @Test
    void clientsWithEqualSettingsShareOneSnapshotSoAConnectionCanTellByIdentity() {
        ClientSettings first = settings(Map.of("application_name", "app", "datestyle", "ISO, MDY"));
        ClientSettings second = settings(Map.of("datestyle", "ISO, MDY", "application_name", "app"));
        assertThat(second.snapshot()).isSameAs(first.snapshot());
        assertThat(settings(Map.of("application_name", "other")).snapshot()).isNotSameAs(first.snapshot());
    }

    @Test
    void aTrackedSettingTheClientChangesIsCarriedToItsNextConnections() {
        ClientSettings settings = settings(Map.of("application_name", "app"));
        Map<String, String> before = settings.snapshot();

        assertThat(settings.follow(new ParameterStatus("DateStyle", "German, DMY"))).isTrue();

        assertThat(settings.snapshot()).isNotSameAs(before)
                .containsEntry("datestyle", "German, DMY").containsEntry("application_name", "app");
        assertThat(settings.snapshot()).isSameAs(settings(Map.of("application_name", "app", "datestyle", "German, DMY")).snapshot());
    }

    @Test
    void anUntrackedParameterOrTheSameValueChangesNothing() {
        ClientSettings settings = settings(Map.of("application_name", "app"));
        Map<String, String> before = settings.snapshot();

        assertThat(settings.follow(new ParameterStatus("is_superuser", "off"))).isFalse();
        assertThat(settings.follow(new ParameterStatus("application_name", "app"))).isFalse();

        assertThat(settings.snapshot()).isSameAs(before).doesNotContainKey("is_superuser");
    }
}
