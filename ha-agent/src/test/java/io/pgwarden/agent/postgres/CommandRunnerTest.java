package io.pgwarden.agent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class CommandRunnerTest {

    private final CommandRunner runner = new CommandRunner();

    @Test
    void capturesOutputExitCodeEnvironmentAndWorkingDirectory(@TempDir Path dir) throws Exception {
        CommandOutput out = runner.run(List.of("sh", "-c", "echo out; echo err >&2; echo $GREETING; pwd; exit 3"),
                Map.of("GREETING", "hello"), dir, Duration.ofSeconds(10));
        assertThat(out.exitCode()).isEqualTo(3);
        assertThat(out.succeeded()).isFalse();
        assertThat(out.output()).isEqualTo("out\nerr\nhello\n" + dir.toRealPath() + "\n");
    }

    @Test
    void failureMessageNamesTheCommandAndQuotesTheTailOfItsOutput(@TempDir Path dir) {
        CommandOutput out = runner.run(List.of("sh", "-c", "for i in $(seq 1 50); do echo line$i; done; exit 1"),
                Map.of(), dir, Duration.ofSeconds(10));
        assertThatThrownBy(() -> out.requireSuccess("counting"))
                .isInstanceOf(PostgresException.class)
                .hasMessageStartingWith("counting failed: sh -c")
                .hasMessageContaining("exited with 1")
                .hasMessageContaining("line50")
                .hasMessageNotContaining("line30\n");
    }

    @Test
    void commandPastItsTimeoutIsKilledWithItsChildren(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        long started = System.nanoTime();
        assertThatThrownBy(() -> runner.run(List.of("sh", "-c", "sleep 60 & echo $! > " + pidFile + "; echo started; wait"),
                Map.of(), dir, Duration.ofMillis(500)))
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("did not finish")
                .hasMessageContaining("started");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        long child = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> isGoneOrZombie(child));
    }

    /** A killed orphan stays a zombie until init reaps it, which some container inits do only now and then. */
    private static boolean isGoneOrZombie(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void aCommandThatDoesNotExistIsAPostgresException(@TempDir Path dir) {
        assertThatThrownBy(() -> runner.run(List.of(dir.resolve("no-such-binary").toString()), Map.of(), dir,
                Duration.ofSeconds(5)))
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("could not run");
    }
}
