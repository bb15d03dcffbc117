package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ControlDataTest {

    @Test
    void freshClusterIsShutDownOnTimeline1() throws IOException {
        ControlData data = ControlData.parse(sample("primary-shut-down.txt"));
        assertThat(data).isEqualTo(new ControlData("7715007853021222371", "shut down", 1, 0x17529B0L, 0, 0));
        assertThat(data.cleanlyShutDown()).isTrue();
    }

    @Test
    void runningPrimaryIsInProduction() throws IOException {
        ControlData data = ControlData.parse(sample("primary-running.txt"));
        assertThat(data.state()).isEqualTo("in production");
        assertThat(data.checkpointLsn()).isEqualTo(0x3027B38L);
        assertThat(data.cleanlyShutDown()).isFalse();
    }

    @Test
    void standbyCarriesItsMinimumRecoveryPoint() throws IOException {
        ControlData running = ControlData.parse(sample("standby-running.txt"));
        assertThat(running.state()).isEqualTo("in archive recovery");
        assertThat(running.minRecoveryEndLsn()).isEqualTo(0x3027BB0L);
        assertThat(running.minRecoveryEndTimeline()).isEqualTo(1);

        ControlData stopped = ControlData.parse(sample("standby-stopped.txt"));
        assertThat(stopped.state()).isEqualTo("shut down in recovery");
        assertThat(stopped.cleanlyShutDown()).isTrue();
        assertThat(stopped.systemIdentifier()).isEqualTo(running.systemIdentifier());
    }

    @Test
    void translatedOrTruncatedOutputIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> ControlData.parse("Database system identifier: 1\nDatabase cluster state: shut down\n"))
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("Latest checkpoint's TimeLineID");
        assertThatThrownBy(() -> ControlData.parse("""
                Database system identifier:           1
                Database cluster state:               shut down
                Latest checkpoint location:           not-an-lsn
                Latest checkpoint's TimeLineID:       1
                Minimum recovery ending location:     0/0
                Min recovery ending loc's timeline:   0
                """))
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("not-an-lsn");
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = ControlDataTest.class.getResourceAsStream("/controldata/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
