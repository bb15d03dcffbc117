package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostmasterPidFileTest {

    @TempDir
    Path dataDir;

    @Test
    void noFileMeansNotRunning() {
        assertThat(new PostmasterPidFile(dataDir).runningPid()).isEmpty();
    }

    @Test
    void stalePidNowHeldByAnotherProgramIsNotAPostmaster() throws IOException {
        // This JVM is alive but is not postgres: a crash left the file and the pid was reused.
        Files.writeString(dataDir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + dataDir + "\n");
        assertThat(new PostmasterPidFile(dataDir).runningPid()).isEmpty();
    }

    @Test
    void emptyOrGarbledFileIsNotRunning() throws IOException {
        Files.writeString(dataDir.resolve("postmaster.pid"), "");
        assertThat(new PostmasterPidFile(dataDir).runningPid()).isEmpty();
        Files.writeString(dataDir.resolve("postmaster.pid"), "not a pid\n");
        assertThat(new PostmasterPidFile(dataDir).runningPid()).isEmpty();
    }

    @Test
    void pidOfNoProcessIsNotRunning() throws IOException {
        Files.writeString(dataDir.resolve("postmaster.pid"), "2147483646\n");
        assertThat(new PostmasterPidFile(dataDir).runningPid()).isEmpty();
    }
}
