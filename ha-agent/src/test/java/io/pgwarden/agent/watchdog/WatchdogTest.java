package io.pgwarden.agent.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.agent.config.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchdogTest {

    @TempDir
    Path dir;

    @Test
    void requiredRefusesToLeadWithoutADevice() {
        Watchdog watchdog = new Watchdog(new AgentConfig.Watchdog("required", dir.resolve("missing/device"), 5));
        assertThat(watchdog.arm(Duration.ofSeconds(10))).isFalse();
        assertThat(watchdog.armed()).isFalse();
    }

    @Test
    void automaticLeadsWithoutADevice() {
        Watchdog watchdog = new Watchdog(new AgentConfig.Watchdog("automatic", dir.resolve("missing/device"), 5));
        assertThat(watchdog.arm(Duration.ofSeconds(10))).isTrue();
        assertThat(watchdog.armed()).isFalse();
    }

    @Test
    void offNeverOpensTheDevice() throws Exception {
        Path device = Files.createFile(dir.resolve("device"));
        Watchdog watchdog = new Watchdog(new AgentConfig.Watchdog("off", device, 5));
        assertThat(watchdog.arm(Duration.ofSeconds(10))).isTrue();
        watchdog.keepalive();
        assertThat(Files.readString(device)).isEmpty();
    }

    @Test
    void armedItIsFedAndDisarmedWithTheMagicClose() throws Exception {
        Path device = Files.createFile(dir.resolve("device"));
        Watchdog watchdog = new Watchdog(new AgentConfig.Watchdog("required", device, 5));
        assertThat(watchdog.arm(Duration.ofSeconds(10))).isTrue();
        watchdog.keepalive();
        watchdog.keepalive();
        watchdog.disarm();
        watchdog.keepalive(); // disarmed: nothing more
        assertThat(Files.readString(device)).isEqualTo("111V");
        assertThat(watchdog.feedDeadline(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(5));
    }
}
