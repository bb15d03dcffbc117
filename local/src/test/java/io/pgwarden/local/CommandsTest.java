package io.pgwarden.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CommandsTest {

    @Test
    void capturesExitCodeAndBothStreams() {
        CommandResult result = Commands.run(Duration.ofSeconds(10), "sh", "-c", "echo out; echo err >&2; exit 3");

        assertThat(result).isEqualTo(new CommandResult(3, "out\n", "err\n"));
        assertThat(result.succeeded()).isFalse();
        assertThatThrownBy(() -> result.requireSuccess("the step"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the step failed with exit code 3")
                .hasMessageContaining("err");
    }

    @Test
    void addsEnvironmentAndRunsInWorkDir(@TempDir Path dir) throws Exception {
        Path real = dir.toRealPath();
        CommandResult result = Commands.run(List.of("sh", "-c", "echo \"$GREETING\"; pwd"),
                Map.of("GREETING", "hello"), real, Duration.ofSeconds(10));

        assertThat(result.requireSuccess("sh").stdout()).isEqualTo("hello\n" + real + "\n");
    }

    @Test
    void timeoutKillsTheWholeTreeAndThrows(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        // The grandchild writes its pid, then both sleep far longer than the timeout.
        List<String> command = List.of("sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait");

        assertThatThrownBy(() -> Commands.run(command, Map.of(), null, Duration.ofMillis(500)))
                .isInstanceOf(CommandTimeoutException.class)
                .hasMessageContaining("timed out");

        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(grandchild).filter(Commands::isRunning)).isEmpty();
    }

    @Test
    void signalStopsContinuesAndKills() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Commands.signal(sleep.pid(), "STOP");
            assertThat(awaitState(sleep.pid(), 'T')).isTrue();
            Commands.signal(sleep.pid(), "SIGCONT");
            assertThat(awaitState(sleep.pid(), 'S')).isTrue();
            Commands.signal(sleep.pid(), "KILL");
            assertThat(sleep.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(sleep.exitValue()).isEqualTo(128 + 9);
        } finally {
            sleep.destroyForcibly();
        }
        assertThatThrownBy(() -> Commands.signal(sleep.pid(), "KILL")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Commands.signal(1, "-9; rm")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Waits for the state letter in /proc/PID/stat (T stopped, S sleeping). */
    private static boolean awaitState(long pid, char state) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            if (stat.charAt(stat.lastIndexOf(')') + 2) == state) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
