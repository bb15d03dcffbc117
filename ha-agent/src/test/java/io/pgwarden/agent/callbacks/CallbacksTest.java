package io.pgwarden.agent.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real scripts that record their arguments (no PostgreSQL, no etcd). */
@Timeout(30)
class CallbacksTest {

    @TempDir
    Path dir;

    private Callbacks callbacks;

    @AfterEach
    void close() {
        if (callbacks != null) {
            callbacks.close();
        }
    }

    private Path script(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void scriptsGetActionRoleAndScopeAfterTheirOwnArgumentsAsPatroni302PassesThem() throws IOException {
        Path out = dir.resolve("calls");
        Path cb = script("cb.sh", "echo \"$*\" >> " + out);
        Map<String, String> all = Map.of("on_start", cb + " first", "on_stop", cb.toString(),
                "on_restart", cb.toString(), "on_role_change", cb.toString());
        callbacks = Callbacks.of(all, "demo", Duration.ofSeconds(10));

        callbacks.started(Callbacks.REPLICA);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 1);
        callbacks.promoted();
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 2);
        callbacks.stopped(Callbacks.PRIMARY);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 3);
        callbacks.restarted(Callbacks.REPLICA);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 4);

        assertThat(lines(out)).containsExactly("first on_start replica demo", "on_role_change master demo",
                "on_stop master demo", "on_restart replica demo");
    }

    @Test
    void aStartAsReplicaRightAfterRunningAsPrimaryIsARoleChange() throws IOException {
        Path out = dir.resolve("calls");
        Path cb = script("cb.sh", "echo \"$*\" >> " + out);
        callbacks = Callbacks.of(Map.of("on_start", cb.toString(), "on_role_change", cb.toString()), "s",
                Duration.ofSeconds(10));

        callbacks.started(Callbacks.PRIMARY);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 1);
        callbacks.started(Callbacks.REPLICA);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 2);
        callbacks.started(Callbacks.REPLICA);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 3);

        assertThat(lines(out)).containsExactly("on_start master s", "on_role_change replica s", "on_start replica s");
    }

    @Test
    void runningReportsOnStartOnlyWhenNothingWasReportedBefore() throws IOException {
        Path out = dir.resolve("calls");
        Path cb = script("cb.sh", "echo \"$*\" >> " + out);
        callbacks = Callbacks.of(Map.of("on_start", cb.toString()), "s", Duration.ofSeconds(10));

        callbacks.running(Callbacks.PRIMARY);
        callbacks.running(Callbacks.PRIMARY);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> lines(out).size() == 1);
    }

    @Test
    void theCallerNeverWaitsForTheScript() throws IOException {
        Path cb = script("slow.sh", "sleep 20");
        callbacks = Callbacks.of(Map.of("on_start", cb.toString()), "s", Duration.ofSeconds(30));

        long started = System.nanoTime();
        callbacks.started(Callbacks.PRIMARY);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
    }

    @Test
    void aScriptRunningPastTheTimeoutIsKilledWithItsChildren() throws IOException {
        Path pids = dir.resolve("pids");
        // The script starts a child that would outlive it, records both pids, and waits.
        Path cb = script("hang.sh", "sleep 60 & echo $$ $! > " + pids + "\nwait");
        callbacks = Callbacks.of(Map.of("on_stop", cb.toString()), "s", Duration.ofSeconds(1));

        callbacks.stopped(Callbacks.PRIMARY);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(pids).size() == 1);
        List<Long> both = java.util.Arrays.stream(lines(pids).get(0).trim().split(" ")).map(Long::parseLong).toList();
        await().atMost(Duration.ofSeconds(5)).until(() ->
                both.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void aNewCallbackKillsTheOneStillRunning() throws IOException {
        Path out = dir.resolve("calls");
        Path pid = dir.resolve("pid");
        Path slow = script("slow.sh", "echo $$ > " + pid + "\nsleep 60\necho finished >> " + out);
        Path fast = script("fast.sh", "echo \"$*\" >> " + out);
        callbacks = Callbacks.of(Map.of("on_start", slow.toString(), "on_role_change", fast.toString()), "s",
                Duration.ofSeconds(30));

        callbacks.started(Callbacks.REPLICA);
        await().atMost(Duration.ofSeconds(5)).until(() -> !lines(pid).isEmpty());
        long slowPid = Long.parseLong(lines(pid).get(0).trim());
        callbacks.promoted();
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 1);

        assertThat(lines(out)).containsExactly("on_role_change master s");
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(slowPid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void anActionWithoutAScriptRunsNothing() throws IOException {
        Path out = dir.resolve("calls");
        Path cb = script("cb.sh", "echo \"$*\" >> " + out);
        callbacks = Callbacks.of(Map.of("on_stop", cb.toString()), "s", Duration.ofSeconds(10));

        callbacks.started(Callbacks.PRIMARY);
        callbacks.stopped(Callbacks.PRIMARY);
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(out).size() == 1);
        assertThat(lines(out)).containsExactly("on_stop master s");
    }
}
